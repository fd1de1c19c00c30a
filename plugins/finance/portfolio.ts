import { invert, type Matrix, multiply } from "./matrix.ts";
import { mean } from "./stats.ts";

/** The sample covariance (divides by n − 1) of equally long return series, one per asset. */
export function covarianceMatrix(series: readonly (readonly number[])[]): Matrix {
  const n = series[0]?.length ?? 0;
  if (series.length === 0) throw new RangeError("a covariance matrix needs at least 1 series");
  if (series.some((s) => s.length !== n)) {
    throw new RangeError("every return series must have the same length");
  }
  if (n < 2) throw new RangeError(`a covariance needs at least 2 returns per asset, got ${n}`);
  const means = series.map((s) => mean(s));
  return series.map((a, i) =>
    series.map((b, j) => {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += (a[t]! - means[i]!) * (b[t]! - means[j]!);
      return sum / (n - 1);
    })
  );
}

/** Weights that sum to 1 and the variance of the resulting portfolio. */
export interface MinimumVariance {
  weights: number[];
  variance: number;
}

/**
 * The fully invested minimum-variance portfolio (short positions allowed):
 * w = Σ⁻¹1 / 1ᵀΣ⁻¹1, whose variance is 1 / 1ᵀΣ⁻¹1. Throws SingularMatrixError for a
 * covariance without an inverse.
 */
export function minimumVariance(covariance: Matrix): MinimumVariance {
  const raw = multiply(invert(covariance), covariance.map(() => 1));
  const total = raw.reduce((sum, value) => sum + value, 0);
  return { weights: raw.map((value) => value / total), variance: 1 / total };
}
