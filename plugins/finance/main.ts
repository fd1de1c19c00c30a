/**
 * The finance domain: prices from CSV (the samples, a granted folder, uploads), their returns,
 * volatility, drawdown and Value-at-Risk, minimum-variance portfolios, a replay WebSocket,
 * and a scheduled job that attests every symbol's risk. See README.md.
 */
import { definePlugin, type ScheduleDeclaration, serve } from "../../src/sdk/mod.ts";
import { replayHandler } from "./replay.ts";
import { recomputeRisk } from "./risk_job.ts";
import { financeRoutes } from "./routes.ts";
import { configSchema, DEFAULT_SETTINGS, readSettings } from "./settings.ts";
import { Finance } from "./state.ts";

const finance = new Finance();

/**
 * The declared schedule. Its interval comes from `recompute_interval_seconds`: the SDK reads
 * `schedules` after `initialize` returns, so setting it there reaches the host's sync.
 */
const riskSchedule: ScheduleDeclaration = {
  handler: "recompute-risk",
  intervalSeconds: DEFAULT_SETTINGS.recomputeIntervalSeconds,
  description: "recompute VaR, volatility and drawdown of every symbol and attest them",
};

export const financePlugin = definePlugin({
  metadata: {
    name: "finance",
    version: "0.1.0",
    qntxVersion: ">=0.1.0",
    description: "market data from CSV: returns, volatility, drawdown, VaR, min-variance",
    author: "QNTX",
    license: "MIT",
  },
  configSchema,
  async initialize(context) {
    finance.settings = readSettings(context.config);
    finance.dataDir = context.dataDir;
    riskSchedule.intervalSeconds = finance.settings.recomputeIntervalSeconds;
    const market = await finance.reload();
    await finance.loadRisk();
    for (const problem of market.problems) context.logger.warn(problem);
    context.logger.info(`read ${market.series.size} symbols from ${market.files.length} files`);
  },
  routes: financeRoutes(finance),
  websocket: { "/replay": replayHandler(finance) },
  jobs: { "recompute-risk": recomputeRisk(finance) },
  schedules: [riskSchedule],
  health: () => finance.health(),
  pause: () => finance.pause(),
  resume: () => finance.resume(),
});

if (import.meta.main) await serve(financePlugin);
