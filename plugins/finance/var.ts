import { inverseNormalCdf } from "./normal.ts";
import { mean, sampleStdev } from "./stats.ts";

/** How Value-at-Risk is estimated. */
export type VarMethod = "historical" | "parametric";
export const VAR_METHODS: readonly VarMethod[] = ["historical", "parametric"];

/**
 * One-period Value-at-Risk as a positive fraction of value: the loss that returns exceed with
 * probability 1 − confidence. Negative when even that tail is a gain.
 */
export interface ValueAtRisk {
  method: VarMethod;
  confidence: number;
  value: number;
  /** How many returns it was estimated from. */
  observations: number;
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0.5 && confidence < 1)) {
    throw new RangeError(`confidence must be between 0.5 and 1 (exclusive), got ${confidence}`);
  }
}

/**
 * Historical VaR: the k-th worst return with k = ⌈(1 − c)·n⌉ (no interpolation), negated.
 * The small epsilon keeps (1 − 0.95)·20 = 1.0000000000000009 from becoming k = 2.
 */
export function historicalVar(returns: readonly number[], confidence: number): ValueAtRisk {
  checkConfidence(confidence);
  if (returns.length === 0) throw new RangeError("historical VaR needs at least 1 return");
  const sorted = [...returns].sort((a, b) => a - b);
  const k = Math.max(1, Math.ceil((1 - confidence) * sorted.length - 1e-9));
  return {
    method: "historical",
    confidence,
    value: -sorted[k - 1]!,
    observations: returns.length,
  };
}

/** Parametric (normal) VaR: z(c)·σ − μ from the sample mean and standard deviation. */
export function parametricVar(returns: readonly number[], confidence: number): ValueAtRisk {
  checkConfidence(confidence);
  const value = inverseNormalCdf(confidence) * sampleStdev(returns) - mean(returns);
  return { method: "parametric", confidence, value, observations: returns.length };
}

/** VaR by either method. */
export function valueAtRisk(
  returns: readonly number[],
  confidence: number,
  method: VarMethod,
): ValueAtRisk {
  return method === "historical"
    ? historicalVar(returns, confidence)
    : parametricVar(returns, confidence);
}
