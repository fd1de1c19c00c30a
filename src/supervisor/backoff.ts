import { type Backoff, backoffDelay } from "../async/mod.ts";

/** How restarts back off, and when crashes in a row are a crash loop. */
export interface BackoffPolicy extends Backoff {
  /** Crashes within `windowMs` that make a crash loop: the plugin is then marked failed. */
  maxCrashes: number;
  windowMs: number;
  /** A plugin that has run this long since its last start is stable: its count starts over. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = {
  initialMs: 100,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  maxCrashes: 5,
  windowMs: 60_000,
  stableMs: 30_000,
};

/**
 * Remembers a plugin's recent crashes and decides what the next one means: restart after a
 * delay, or give up because it is a crash loop.
 */
export class CrashHistory {
  #crashes: number[] = [];

  constructor(readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /**
   * Records a crash at `now` of a process that started at `startedAt`; returns the restart
   * delay, or undefined when the plugin should give up.
   */
  record(now: number, startedAt: number, random?: () => number): number | undefined {
    if (now - startedAt >= this.policy.stableMs) this.#crashes = [];
    this.#crashes = this.#crashes.filter((at) => now - at < this.policy.windowMs);
    this.#crashes.push(now);
    if (this.#crashes.length >= this.policy.maxCrashes) return undefined;
    return backoffDelay(this.#crashes.length - 1, this.policy, random);
  }

  get count(): number {
    return this.#crashes.length;
  }

  /** Why the plugin gave up: its failures within the window, and the last one's reason. */
  loopReason(last: string): string {
    const seconds = this.policy.windowMs / 1000;
    return `crash loop: ${this.#crashes.length} failures within ${seconds} s; last: ${last}`;
  }

  reset(): void {
    this.#crashes = [];
  }
}
