/** Keys kept at once; warnings for keys beyond share {@link OVERFLOW}. */
const MAX_KEYS = 10_000;
const OVERFLOW = "(more clients)";

/** The least a logger must offer for a throttled warning. */
interface Warns {
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Warnings that an attacker can trigger at will (refused connections, refused WebSockets) are
 * written at most once per `everyMs` for each key (a client address); the ones held back are
 * counted into the next line for that key, so the operator sees every refusal without the log
 * growing at the attacker's pace. Keys whose window has passed are forgotten once 10 000 are
 * kept; beyond that many in one window, the rest share one key.
 */
export class ThrottledWarning {
  readonly #last = new Map<string, { at: number; held: number }>();
  #forgotAt = -Infinity;

  constructor(
    readonly logger: Warns,
    readonly everyMs = 60_000,
    readonly now: () => number = Date.now,
  ) {}

  warn(key: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = this.now();
    if (!this.#last.has(key) && this.#last.size >= MAX_KEYS) {
      // Forgetting scans every key: at most once a second, not once per warning. Keys beyond
      // the most kept share one, so an attacker with many addresses cannot grow the log.
      if (now - this.#forgotAt >= 1000) {
        this.#forgotAt = now;
        this.#forget(now);
      }
      if (this.#last.size >= MAX_KEYS) {
        key = OVERFLOW;
        message = `${message} (one of more than ${MAX_KEYS} clients warned about in the window)`;
      }
    }
    const last = this.#last.get(key);
    if (last && now - last.at < this.everyMs) {
      last.held++;
      return;
    }
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
