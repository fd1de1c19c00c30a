import { RollingWindow } from "./rolling.ts";
import type { PriceSeries } from "./series.ts";

/** One replayed day, as the WebSocket sends it. */
export interface Tick {
  type: "tick";
  symbol: string;
  /** 0-based position in the series, and how many ticks there are. */
  index: number;
  total: number;
  date: string;
  close: number;
  /** Simple return from the previous close; null on the first tick. */
  return: number | null;
  rolling: {
    window: number;
    count: number;
    mean: number | null;
    volatility: number | null;
    annualizedVolatility: number | null;
  };
}

/** Walks a series one close at a time, keeping rolling statistics of the returns. */
export class ReplayCursor {
  #index = 0;
  readonly #window: RollingWindow;

  constructor(
    readonly series: PriceSeries,
    window: number,
    readonly annualizationFactor: number,
  ) {
    this.#window = new RollingWindow(window);
  }

  get done(): boolean {
    return this.#index >= this.series.closes.length;
  }

  /** The next tick, or undefined after the last. */
  next(): Tick | undefined {
    if (this.done) return undefined;
    const i = this.#index++;
    const { closes, dates, symbol } = this.series;
    const change = i === 0 ? null : closes[i]! / closes[i - 1]! - 1;
    const stats = change === null ? this.#window.stats() : this.#window.push(change);
    const count = stats.count;
    return {
      type: "tick",
      symbol,
      index: i,
      total: closes.length,
      date: dates[i]!,
      close: closes[i]!,
      return: change,
      rolling: {
        window: this.#window.size,
        count,
        mean: count === 0 ? null : stats.mean,
        volatility: stats.stdev,
        annualizedVolatility: stats.stdev === null
          ? null
          : stats.stdev * Math.sqrt(this.annualizationFactor),
      },
    };
  }
}
