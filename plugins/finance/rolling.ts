/** Mean and volatility of the last `size` values, updated one value at a time. */
export interface RollingStats {
  /** Values in the window so far (at most its size). */
  count: number;
  mean: number;
  /** Sample standard deviation, or null with fewer than two values. */
  stdev: number | null;
}

/**
 * A sliding window kept as running sums, so each push costs O(1). Sums drift a little over
 * long replays; the deviation sum is clamped at 0 so a flat series never gives NaN.
 */
export class RollingWindow {
  readonly #values: number[] = [];
  #sum = 0;
  #sumSquares = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 2) {
      throw new RangeError(`a rolling window needs a whole size of at least 2, got ${size}`);
    }
  }

  push(value: number): RollingStats {
    this.#values.push(value);
    this.#sum += value;
    this.#sumSquares += value * value;
    if (this.#values.length > this.size) {
      const old = this.#values.shift()!;
      this.#sum -= old;
      this.#sumSquares -= old * old;
    }
    return this.stats();
  }

  stats(): RollingStats {
    const count = this.#values.length;
    const mean = count === 0 ? 0 : this.#sum / count;
    if (count < 2) return { count, mean, stdev: null };
    const deviations = Math.max(0, this.#sumSquares - count * mean * mean);
    return { count, mean, stdev: Math.sqrt(deviations / (count - 1)) };
  }
}
