/** The worst fall from a running peak of a price series. */
export interface Drawdown {
  /** Largest fall from a previous peak, as a fraction of that peak (0.1 = 10 %). */
  maxDrawdown: number;
  /** Index of the peak before the largest fall. */
  peakIndex: number;
  /** Index of the lowest price of that fall. */
  troughIndex: number;
  /** First index at or above that peak again, or null when it never recovered. */
  recoveryIndex: number | null;
  /** How far the last price is below the highest price so far. */
  current: number;
}

/** Maximum drawdown of positive prices; a RangeError for an empty series. */
export function drawdown(closes: readonly number[]): Drawdown {
  if (closes.length === 0) throw new RangeError("the drawdown of no prices is undefined");
  let peak = 0;
  let worst = { maxDrawdown: 0, peakIndex: 0, troughIndex: 0 };
  for (let t = 0; t < closes.length; t++) {
    if (closes[t]! > closes[peak]!) peak = t;
    const fall = 1 - closes[t]! / closes[peak]!;
    if (fall > worst.maxDrawdown) worst = { maxDrawdown: fall, peakIndex: peak, troughIndex: t };
  }
  let recoveryIndex: number | null = null;
  if (worst.maxDrawdown > 0) {
    const level = closes[worst.peakIndex]!;
    for (let t = worst.troughIndex + 1; t < closes.length && recoveryIndex === null; t++) {
      if (closes[t]! >= level) recoveryIndex = t;
    }
  }
  return { ...worst, recoveryIndex, current: 1 - closes.at(-1)! / closes[peak]! };
}
