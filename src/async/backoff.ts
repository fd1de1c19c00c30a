/** How a delay grows from one attempt to the next. */
export interface Backoff {
  /** Delay before the first attempt after a failure. */
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay added or taken at random, so retries do not run in lockstep. */
  jitter: number;
}

/** The delay before attempt number `attempt` (0 for the first), capped at `maxMs`. */
export function backoffDelay(
  attempt: number,
  policy: Backoff,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, base + spread)));
}
