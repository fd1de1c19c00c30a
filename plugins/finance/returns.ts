/** Period returns of a price series. */

/** The kinds of return the plugin offers. */
export type ReturnKind = "simple" | "log";

/** Simple returns p[t] / p[t-1] − 1, one fewer than the prices. */
export function simpleReturns(closes: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = 1; t < closes.length; t++) out.push(closes[t]! / closes[t - 1]! - 1);
  return out;
}

/** Log returns ln(p[t] / p[t-1]), one fewer than the prices. */
export function logReturns(closes: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = 1; t < closes.length; t++) out.push(Math.log(closes[t]! / closes[t - 1]!));
  return out;
}

/** Returns of either kind. */
export function returnsOf(closes: readonly number[], kind: ReturnKind = "simple"): number[] {
  return kind === "log" ? logReturns(closes) : simpleReturns(closes);
}
