import type { AttestationCommand } from "../../src/sdk/mod.ts";
import { type AnalysisOptions, analyze, type SymbolStats } from "./analysis.ts";
import type { PriceSeries } from "./series.ts";

/** The risk of every symbol at one moment: what `recompute-risk` makes and GET /risk shows. */
export interface RiskReport {
  computedAt: string;
  confidence: number;
  window: number;
  annualizationFactor: number;
  symbols: Record<string, SymbolStats>;
}

/** `var_99` for 0.99, `var_97_5` for 0.975: a predicate name per confidence. */
export function varPredicate(confidence: number): string {
  const percent = Number((confidence * 100).toFixed(2));
  return `var_${String(percent).replace(".", "_")}`;
}

/** Analyzes each series, calling `progress` after each one. */
export function computeRisk(
  series: readonly PriceSeries[],
  options: AnalysisOptions,
  now: Date,
  progress: (done: number, total: number) => void = () => {},
): RiskReport {
  const symbols: Record<string, SymbolStats> = {};
  series.forEach((one, i) => {
    symbols[one.symbol] = analyze(one, options);
    progress(i + 1, series.length);
  });
  return {
    computedAt: now.toISOString(),
    confidence: options.confidence,
    window: options.window,
    annualizationFactor: options.annualizationFactor,
    symbols,
  };
}

/**
 * The attestations of a report: per symbol, VaR by each method, annualized volatility and
 * maximum drawdown, in context `finance`, attested by the risk job, as of the data's last day.
 */
export function riskAttestations(report: RiskReport): AttestationCommand[] {
  const commands: AttestationCommand[] = [];
  const base = { contexts: ["finance"], actors: ["finance/recompute-risk"] };
  for (const stats of Object.values(report.symbols)) {
    const common = { asOf: stats.last, window: stats.window, computedAt: report.computedAt };
    const subjects = [stats.symbol];
    if (stats.valueAtRisk) {
      for (const method of ["historical", "parametric"] as const) {
        commands.push({
          ...base,
          subjects,
          predicates: [varPredicate(report.confidence)],
          attributes: {
            value: stats.valueAtRisk[method],
            method,
            confidence: report.confidence,
            ...common,
          },
        });
      }
    }
    if (stats.volatility) {
      commands.push({
        ...base,
        subjects,
        predicates: ["volatility_annualized"],
        attributes: {
          value: stats.volatility.annualized,
          annualizationFactor: report.annualizationFactor,
          ...common,
        },
      });
    }
    commands.push({
      ...base,
      subjects,
      predicates: ["max_drawdown"],
      attributes: {
        value: stats.maxDrawdown.value,
        peak: stats.maxDrawdown.peak,
        trough: stats.maxDrawdown.trough,
        ...common,
      },
    });
  }
  return commands;
}
