/**
 * The standard normal distribution, written out so the plugin needs no library: the CDF from
 * a series for erf whose terms are all positive (no cancellation), and its inverse by Newton's
 * method, which converges monotonically from 0 because Φ is concave right of the mean.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** The standard normal density φ(x). */
export function normalPdf(x: number): number {
  return Math.exp(-x * x / 2) / SQRT_2PI;
}

/** erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), for x ≥ 0. */
function erfPositive(x: number): number {
  if (x > 6) return 1; // erf(6) differs from 1 by 2e-17, below a double's resolution
  let term = x;
  let sum = x;
  for (let n = 1; n < 500 && term > sum * 1e-17; n++) {
    term *= 2 * x * x / (2 * n + 1);
    sum += term;
  }
  return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
}

/** The standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  const half = erfPositive(Math.abs(x) / Math.SQRT2) / 2;
  return x >= 0 ? 0.5 + half : 0.5 - half;
}

/** The quantile z with Φ(z) = p, for 0 < p < 1 (accurate to about 1e-12 up to p = 1 − 1e-9). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a probability strictly between 0 and 1, got ${p}`);
  if (p < 0.5) return -inverseNormalCdf(1 - p);
  let z = 0;
  for (let step = 0; step < 200; step++) {
    const move = (p - normalCdf(z)) / normalPdf(z);
    z += move;
    if (Math.abs(move) < 1e-14) break;
  }
  return z;
}
