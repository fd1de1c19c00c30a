import { drawdown } from "./drawdown.ts";
import { simpleReturns } from "./returns.ts";
import type { PriceSeries } from "./series.ts";
import { mean } from "./stats.ts";
import { historicalVar, parametricVar } from "./var.ts";
import { type Volatility, volatility } from "./volatility.ts";

/** What the figures are computed with. */
export interface AnalysisOptions {
  confidence: number;
  annualizationFactor: number;
  /** Only the latest this many returns feed volatility and VaR. */
  window: number;
}

/** Every figure of one symbol; those that need more data than there is are null. */
export interface SymbolStats {
  symbol: string;
  observations: number;
  first: string;
  last: string;
  lastClose: number;
  /** last close / first close − 1. */
  totalReturn: number;
  meanReturn: number | null;
  /** Returns that volatility and VaR used (the window, or fewer when the data is short). */
  window: number;
  volatility: Volatility | null;
  maxDrawdown: { value: number; peak: string; trough: string; recovered: string | null };
  currentDrawdown: number;
  valueAtRisk: { confidence: number; historical: number; parametric: number } | null;
}

/** The figures of one symbol's closes (at least one close). */
export function analyze(series: PriceSeries, options: AnalysisOptions): SymbolStats {
  const { closes, dates } = series;
  const returns = simpleReturns(closes);
  const recent = returns.slice(-options.window);
  const fall = drawdown(closes);
  const enough = recent.length >= 2;
  return {
    symbol: series.symbol,
    observations: closes.length,
    first: dates[0]!,
    last: dates.at(-1)!,
    lastClose: closes.at(-1)!,
    totalReturn: closes.at(-1)! / closes[0]! - 1,
    meanReturn: returns.length > 0 ? mean(returns) : null,
    window: recent.length,
    volatility: enough ? volatility(recent, options.annualizationFactor) : null,
    maxDrawdown: {
      value: fall.maxDrawdown,
      peak: dates[fall.peakIndex]!,
      trough: dates[fall.troughIndex]!,
      recovered: fall.recoveryIndex === null ? null : dates[fall.recoveryIndex]!,
    },
    currentDrawdown: fall.current,
    valueAtRisk: enough
      ? {
        confidence: options.confidence,
        historical: historicalVar(recent, options.confidence).value,
        parametric: parametricVar(recent, options.confidence).value,
      }
      : null,
  };
}
