/** The job `recompute-risk`: reread the CSVs, compute every symbol's risk, attest it. */
import { type JobHandler, RetryableError } from "../../src/sdk/mod.ts";
import { computeRisk, riskAttestations } from "./risk.ts";
import type { Finance } from "./state.ts";

/** Attestations sent per call, so a large market does not make one huge message. */
const BATCH = 500;

export function recomputeRisk(finance: Finance): JobHandler {
  return async (_payload, job) => {
    if (finance.paused) throw new RetryableError("the finance plugin is paused");
    try {
      const market = await finance.reload();
      for (const problem of market.problems) job.log("warn", problem, "load");
      const series = [...market.series.values()];
      job.log("info", `read ${series.length} symbols from ${market.files.length} files`, "load");
      const report = computeRisk(series, finance.analysisOptions(), new Date(), (done, total) => {
        job.signal.throwIfAborted();
        job.progress(done, total);
      });
      const commands = riskAttestations(report);
      let attested = 0;
      for (let i = 0; i < commands.length; i += BATCH) {
        job.signal.throwIfAborted();
        attested += await job.ats.batchGenerateAndCreate(commands.slice(i, i + BATCH));
      }
      job.cost(series.length);
      job.log("info", `attested ${attested} figures`, "attest");
      await finance.saveRisk(report);
      finance.lastRecompute = {
        at: report.computedAt,
        symbols: series.length,
        attestations: attested,
      };
      return {
        computedAt: report.computedAt,
        symbols: series.length,
        attestations: attested,
        problems: market.problems,
      };
    } catch (error) {
      finance.lastRecompute = { at: new Date().toISOString(), error: (error as Error).message };
      throw error;
    }
  };
}
