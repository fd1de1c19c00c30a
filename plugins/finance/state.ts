/** What the running plugin knows between calls: settings, prices, last risk, pauses. */
import type { HealthStatus } from "../../src/sdk/mod.ts";
import type { AnalysisOptions } from "./analysis.ts";
import { HttpError } from "./http.ts";
import { EMPTY_MARKET, type LoadedSeries, loadMarket, type Market, SAMPLES_DIR } from "./market.ts";
import type { RiskReport } from "./risk.ts";
import { DEFAULT_SETTINGS, type Settings } from "./settings.ts";

/** A running replay, as pause and resume of the whole plugin reach it. */
export interface Pausable {
  hostPause(): void;
  hostResume(): void;
}

/** How the last run of `recompute-risk` went. */
export interface RecomputeOutcome {
  at: string;
  error?: string;
  symbols?: number;
  attestations?: number;
}

export class Finance {
  settings: Settings = DEFAULT_SETTINGS;
  market: Market = EMPTY_MARKET;
  risk: RiskReport | undefined;
  lastRecompute: RecomputeOutcome | undefined;
  paused = false;
  /** The plugin's own writable folder, when the host gave one. */
  dataDir: string | undefined;
  readonly replays = new Set<Pausable>();

  /** Where uploaded datasets are kept. */
  get uploadsDir(): string | undefined {
    return this.dataDir ? `${this.dataDir}/uploads` : undefined;
  }

  /** Reads the samples, the granted folder and the uploads again. */
  async reload(): Promise<Market> {
    const folders = [
      ...(this.settings.includeSamples ? [{ path: SAMPLES_DIR }] : []),
      ...(this.settings.dataDir ? [{ path: this.settings.dataDir }] : []),
      ...(this.uploadsDir ? [{ path: this.uploadsDir, optional: true }] : []),
    ];
    this.market = await loadMarket(folders);
    return this.market;
  }

  /** The series of a symbol (any case), or a 404 that lists the known ones. */
  lookup(symbol: string | undefined): LoadedSeries {
    const key = (symbol ?? "").toUpperCase();
    const found = this.market.series.get(key);
    if (found) return found;
    const known = [...this.market.series.keys()];
    throw new HttpError(
      404,
      `unknown symbol "${symbol}"; known symbols: ${known.length > 0 ? known.join(", ") : "none"}`,
    );
  }

  analysisOptions(confidence = this.settings.varConfidence, window = this.settings.varWindow) {
    return {
      confidence,
      window,
      annualizationFactor: this.settings.annualizationFactor,
    } satisfies AnalysisOptions;
  }

  pause(): void {
    this.paused = true;
    for (const replay of this.replays) replay.hostPause();
  }

  resume(): void {
    this.paused = false;
    for (const replay of this.replays) replay.hostResume();
  }

  /** Risk kept across restarts in the data folder. */
  async saveRisk(report: RiskReport): Promise<void> {
    this.risk = report;
    if (this.dataDir) {
      await Deno.writeTextFile(`${this.dataDir}/risk.json`, JSON.stringify(report));
    }
  }

  async loadRisk(): Promise<void> {
    if (!this.dataDir || this.risk) return;
    try {
      this.risk = JSON.parse(await Deno.readTextFile(`${this.dataDir}/risk.json`));
    } catch {
      // none yet, or unreadable: the next run of the job writes it again
    }
  }

  /** Healthy when every file read, some symbols exist and the last recompute did not fail. */
  health(): Partial<HealthStatus> {
    const symbols = this.market.series.size;
    const problems = [...this.market.problems];
    if (symbols === 0) problems.push("no symbols: no readable CSV in the configured folders");
    if (this.lastRecompute?.error) {
      problems.push(`last risk recompute failed: ${this.lastRecompute.error}`);
    }
    const recomputed = this.risk ? `risk as of ${this.risk.computedAt}` : "risk not computed yet";
    return {
      healthy: problems.length === 0,
      message: problems.length > 0
        ? problems.join("; ")
        : `${symbols} symbols from ${this.market.files.length} files; ${recomputed}`,
      details: {
        symbols,
        files: this.market.files,
        problems,
        loadedAt: this.market.loadedAt,
        lastRecompute: this.lastRecompute ?? null,
        replays: this.replays.size,
      },
    };
  }
}
