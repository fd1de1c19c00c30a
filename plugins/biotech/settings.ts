/** The plugin's configuration: its schema for the host, and the typed values it works with. */
import { isAbsolute, resolve } from "node:path";
import type { ConfigSchema } from "../../src/sdk/mod.ts";
import type { Scoring } from "./align.ts";
import { MAX_K } from "./kmers.ts";

type Config = {
  getInt(key: string, fallback?: number): number;
  getString(key: string): string;
  getBool(key: string, fallback?: boolean): boolean;
};

export const CONFIG_SCHEMA: ConfigSchema = {
  samples_dir: {
    type: "string",
    description: "Folder of FASTA/FASTQ files served by /sequences: relative to the plugin's " +
      "folder, or an absolute path granted with [plugin.grants.biotech] read",
    defaultValue: "samples",
  },
  kmer_k: {
    type: "number",
    description: "k used for k-mer counts when a request names none",
    defaultValue: 3,
    minValue: 1,
    maxValue: MAX_K,
  },
  min_orf_codons: {
    type: "number",
    description: "Shortest open reading frame reported, in codons (stop excluded)",
    defaultValue: 30,
    minValue: 1,
  },
  align_match: { type: "number", description: "Alignment score of a match", defaultValue: 1 },
  align_mismatch: {
    type: "number",
    description: "Alignment score of a mismatch",
    defaultValue: -1,
  },
  align_gap: { type: "number", description: "Alignment score of a gap", defaultValue: -2 },
  max_align_cells: {
    type: "number",
    description: "Largest alignment, as (len a + 1) x (len b + 1) cells",
    defaultValue: 4_000_000,
    minValue: 1,
  },
  max_upload_bytes: {
    type: "number",
    description: "Largest body, WebSocket message or sample file read by a request",
    defaultValue: 10 * 1024 * 1024,
    minValue: 1,
  },
  analyze_samples_at_start: {
    type: "boolean",
    description: "At a first start (nothing attested by biotech yet), analyze the sample " +
      "folder as a job, so the store has its facts from the start",
    defaultValue: true,
  },
  inline_max_bases: {
    type: "number",
    description: "POST /analyze bodies with more bases run as a job instead",
    defaultValue: 200_000,
    minValue: 1,
  },
};

export interface Settings {
  samplesDir: string;
  k: number;
  minOrfCodons: number;
  scoring: Scoring;
  maxAlignCells: number;
  maxUploadBytes: number;
  inlineMaxBases: number;
  analyzeSamplesAtStart: boolean;
}

/** Reads the settings, with each schema default where a key is unset. */
export function readSettings(config: Config, pluginDir: string): Settings {
  const int = (key: string) => config.getInt(key, CONFIG_SCHEMA[key]!.defaultValue as number);
  const dir = config.getString("samples_dir") || "samples";
  return {
    samplesDir: isAbsolute(dir) ? dir : resolve(pluginDir, dir),
    k: int("kmer_k"),
    minOrfCodons: int("min_orf_codons"),
    scoring: { match: int("align_match"), mismatch: int("align_mismatch"), gap: int("align_gap") },
    maxAlignCells: int("max_align_cells"),
    maxUploadBytes: int("max_upload_bytes"),
    inlineMaxBases: int("inline_max_bases"),
    analyzeSamplesAtStart: config.getBool("analyze_samples_at_start", true),
  };
}
