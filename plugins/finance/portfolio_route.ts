/** POST /portfolio/min-variance: request checks around the pure portfolio math. */
import type { RouteHandler } from "../../src/sdk/mod.ts";
import { HttpError, readJson } from "./http.ts";
import { SingularMatrixError } from "./matrix.ts";
import { covarianceMatrix, minimumVariance } from "./portfolio.ts";
import { simpleReturns } from "./returns.ts";
import { alignCloses } from "./series.ts";
import type { Finance } from "./state.ts";

const MAX_SYMBOLS = 50;

/** The symbols asked for: 2 to 50 distinct strings. */
function symbolsOf(body: unknown): string[] {
  const symbols = (body as { symbols?: unknown } | null)?.symbols;
  if (!Array.isArray(symbols) || symbols.some((s) => typeof s !== "string")) {
    throw new HttpError(400, 'the body must be {"symbols": ["ACME", "BOLT", …]}');
  }
  const upper = symbols.map((s: string) => s.toUpperCase());
  if (new Set(upper).size !== upper.length) {
    throw new HttpError(400, `symbols must not repeat; got ${upper.join(", ")}`);
  }
  if (upper.length < 2 || upper.length > MAX_SYMBOLS) {
    throw new HttpError(400, `give from 2 to ${MAX_SYMBOLS} symbols; got ${upper.length}`);
  }
  return upper;
}

export function minVarianceRoute(finance: Finance): RouteHandler {
  return async (request) => {
    const symbols = symbolsOf(await readJson(request, finance.settings.maxUploadBytes));
    const aligned = alignCloses(symbols.map((symbol) => finance.lookup(symbol)));
    const window = finance.settings.varWindow;
    const returns = aligned.closes.map((closes) => simpleReturns(closes).slice(-window));
    const observations = returns[0]!.length;
    if (observations < 2) {
      throw new HttpError(
        400,
        `${symbols.join(", ")} share ${aligned.dates.length} dates; at least 3 are needed`,
      );
    }
    let result;
    try {
      result = minimumVariance(covarianceMatrix(returns));
    } catch (error) {
      if (!(error instanceof SingularMatrixError)) throw error;
      throw new HttpError(
        400,
        `the covariance matrix of ${symbols.join(", ")} is singular (${error.message}): ` +
          `some symbol moves exactly with the others, or there are too few returns ` +
          `(${observations}) for ${symbols.length} symbols`,
      );
    }
    const daily = Math.sqrt(result.variance);
    return Response.json({
      symbols,
      weights: Object.fromEntries(symbols.map((s, i) => [s, result.weights[i]])),
      variance: result.variance,
      volatility: {
        daily,
        annualized: daily * Math.sqrt(finance.settings.annualizationFactor),
      },
      observations,
      from: aligned.dates.at(-observations - 1),
      to: aligned.dates.at(-1),
    });
  };
}
