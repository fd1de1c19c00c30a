/** What the running plugin remembers: its settings, whether it is paused, how work went. */
import { HttpError } from "./http.ts";
import { readSettings, type Settings } from "./settings.ts";

export interface Outcome {
  at: string;
  via: string;
  records?: number;
  bases?: number;
  error?: string;
}

export class BiotechState {
  settings: Settings;
  paused = false;
  analyses = 0;
  lastAnalysis?: Outcome;
  lastError?: Outcome;

  constructor(readonly pluginDir: string) {
    this.settings = readSettings(
      {
        getInt: (_key, fallback = 0) => fallback,
        getString: () => "",
        getBool: (_key, fallback = false) => fallback,
      },
      pluginDir,
    );
  }

  /** Throws a 503 while paused: no new work is taken until the operator resumes the plugin. */
  checkRunning(): void {
    if (this.paused) {
      throw new HttpError(
        503,
        "biotech is paused and takes no new work; resume it with POST /api/plugins/biotech/resume",
      );
    }
  }

  succeeded(via: string, records: number, bases: number): void {
    this.analyses++;
    this.lastAnalysis = { at: new Date().toISOString(), via, records, bases };
  }

  failed(via: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.lastError = { at: new Date().toISOString(), via, error: message };
  }
}
