/** The least a logger must offer for a throttled warning. */
interface Warns {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Warnings that an attacker can trigger at will (refused connections, refused WebSockets) are
 * written at most once per `everyMs` for each key (a client address); the ones held back are
 * counted into the next line for that key, so the operator sees every refusal without the log
 * growing at the attacker's pace. Keys whose window has passed are forgotten on the next warning.
 */
export class ThrottledWarning {
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(
    readonly logger: Warns,
    readonly everyMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  warn(key: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = this.now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.everyMs) {
      last.held++;
      return;
    }
    if (this.#last.size >= 10_000) this.#forget(now);
    this.#last.set(key, { at: now, held: 0 });
    const held = last?.held ?? 0;
    this.logger.warn(
      held > 0 ? `${message} (and ${held} more like it in the last window)` : message,
      { ...fields, heldBack: held },
    );
  }

  #forget(now: number): void {
    for (const [key, last] of this.#last) {
      if (now - last.at >= this.everyMs) this.#last.delete(key);
    }
  }
}
