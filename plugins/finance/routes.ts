/** The plugin's HTTP API under `/api/finance`: symbols, their figures, uploads, portfolios. */
import type { Route, RouteHandler } from "../../src/sdk/mod.ts";
import { analyze } from "./analysis.ts";
import { parsePriceCsv } from "./csv.ts";
import { drawdown } from "./drawdown.ts";
import { confidenceParam, guarded, HttpError, methodParam, readText, wholeParam } from "./http.ts";
import { minVarianceRoute } from "./portfolio_route.ts";
import { type ReturnKind, returnsOf } from "./returns.ts";
import type { Finance } from "./state.ts";
import { valueAtRisk } from "./var.ts";
import { volatility } from "./volatility.ts";

const DATASET = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Every route, each wrapped so bad input becomes a problem response. */
export function financeRoutes(finance: Finance): Route[] {
  const route = (
    method: string,
    path: string,
    description: string,
    handler: RouteHandler,
  ): Route => ({ method, path, description, handler: guarded(handler) });
  const windowParam = (url: URL) =>
    wholeParam(url, "window", finance.settings.varWindow, 2, 100_000);

  return [
    route(
      "GET",
      "/symbols",
      "symbols in the sample, granted and uploaded CSVs",
      () =>
        Response.json({
          symbols: [...finance.market.series.values()].map((s) => ({
            symbol: s.symbol,
            observations: s.closes.length,
            first: s.dates[0],
            last: s.dates.at(-1),
            source: s.source,
          })),
          files: finance.market.files,
          problems: finance.market.problems,
        }),
    ),
    route("GET", "/symbols/:symbol", "every figure of one symbol", (request, { params }) => {
      const url = new URL(request.url);
      const options = finance.analysisOptions(
        confidenceParam(url, finance.settings.varConfidence),
        windowParam(url),
      );
      return Response.json(analyze(finance.lookup(params.symbol), options));
    }),
    route(
      "GET",
      "/symbols/:symbol/returns",
      "daily returns (?kind=simple|log)",
      (request, { params }) => {
        const series = finance.lookup(params.symbol);
        const kind = new URL(request.url).searchParams.get("kind") ?? "simple";
        if (kind !== "simple" && kind !== "log") {
          throw new HttpError(400, `kind must be simple or log; got "${kind}"`);
        }
        const returns = returnsOf(series.closes, kind as ReturnKind);
        return Response.json({
          symbol: series.symbol,
          kind,
          returns: returns.map((value, i) => ({ date: series.dates[i + 1], value })),
        });
      },
    ),
    route(
      "GET",
      "/symbols/:symbol/volatility",
      "daily and annualized volatility of the latest ?window= returns",
      (request, { params }) => {
        const series = finance.lookup(params.symbol);
        const returns = returnsOf(series.closes).slice(-windowParam(new URL(request.url)));
        return Response.json({
          symbol: series.symbol,
          window: returns.length,
          annualizationFactor: finance.settings.annualizationFactor,
          ...volatility(returns, finance.settings.annualizationFactor),
        });
      },
    ),
    route("GET", "/symbols/:symbol/drawdown", "maximum and current drawdown", (_r, { params }) => {
      const series = finance.lookup(params.symbol);
      const fall = drawdown(series.closes);
      const at = (i: number | null) =>
        i === null ? null : { date: series.dates[i], close: series.closes[i] };
      return Response.json({
        symbol: series.symbol,
        maxDrawdown: fall.maxDrawdown,
        peak: at(fall.peakIndex),
        trough: at(fall.troughIndex),
        recovered: at(fall.recoveryIndex),
        currentDrawdown: fall.current,
      });
    }),
    route(
      "GET",
      "/symbols/:symbol/var",
      "Value-at-Risk (?confidence=0.99&method=historical|parametric&window=250)",
      (request, { params }) => {
        const url = new URL(request.url);
        const series = finance.lookup(params.symbol);
        const confidence = confidenceParam(url, finance.settings.varConfidence);
        const method = methodParam(url);
        const returns = returnsOf(series.closes).slice(-windowParam(url));
        const risk = valueAtRisk(returns, confidence, method);
        return Response.json({ symbol: series.symbol, ...risk, window: returns.length });
      },
    ),
    route(
      "POST",
      "/analyze",
      "figures of every symbol in a CSV body (not stored)",
      async (request) => {
        const url = new URL(request.url);
        const options = finance.analysisOptions(
          confidenceParam(url, finance.settings.varConfidence),
          windowParam(url),
        );
        const text = await readText(request, finance.settings.maxUploadBytes);
        const series = parsePriceCsv(text, "request body");
        return Response.json({ symbols: [...series.values()].map((s) => analyze(s, options)) });
      },
    ),
    route(
      "PUT",
      "/datasets/:name",
      "store a CSV in the data folder; its symbols join the market",
      async (request, { params }) => {
        const name = params.name ?? "";
        if (!DATASET.test(name)) {
          throw new HttpError(
            400,
            `dataset name "${name}" must be letters, digits, _ or -, up to 64`,
          );
        }
        const folder = finance.uploadsDir;
        if (!folder) throw new HttpError(409, "the host gave this plugin no data folder");
        const text = await readText(request, finance.settings.maxUploadBytes);
        const series = parsePriceCsv(text, "request body");
        await Deno.mkdir(folder, { recursive: true });
        await Deno.writeTextFile(`${folder}/${name}.csv`, text);
        const market = await finance.reload();
        return Response.json({
          dataset: name,
          symbols: [...series.keys()],
          problems: market.problems,
        }, { status: 201 });
      },
    ),
    route(
      "POST",
      "/portfolio/min-variance",
      'minimum-variance weights of {"symbols": [...]}',
      minVarianceRoute(finance),
    ),
    route("GET", "/risk", "the risk of every symbol as the last recompute-risk left it", () => {
      if (!finance.risk) {
        throw new HttpError(
          404,
          "risk has not been computed yet; run the job finance/recompute-risk " +
            "(it also runs on its schedule)",
        );
      }
      return Response.json({ ...finance.risk, lastRecompute: finance.lastRecompute ?? null });
    }),
  ];
}
