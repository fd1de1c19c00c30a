import { sampleStdev } from "./stats.ts";

/** The spread of returns per period and per year. */
export interface Volatility {
  /** Sample standard deviation of the returns. */
  daily: number;
  /** `daily` × √annualizationFactor (252 trading days by default). */
  annualized: number;
}

/** Volatility of a list of returns; needs at least two returns. */
export function volatility(returns: readonly number[], annualizationFactor = 252): Volatility {
  if (!(annualizationFactor > 0)) {
    throw new RangeError(`the annualization factor must be positive, got ${annualizationFactor}`);
  }
  const daily = sampleStdev(returns);
  return { daily, annualized: daily * Math.sqrt(annualizationFactor) };
}
