/** The edge that reads CSV folders from disk into one set of series, keeping every problem. */
import { fileURLToPath } from "node:url";
import { parsePriceCsv } from "./csv.ts";
import type { PriceSeries } from "./series.ts";

/** A series and the file it came from. */
export interface LoadedSeries extends PriceSeries {
  source: string;
}

/** Every symbol read, the files read, and what could not be read (in words, for health). */
export interface Market {
  series: Map<string, LoadedSeries>;
  files: string[];
  problems: string[];
  loadedAt: string;
}

/** The sample prices shipped in the plugin's folder. */
export const SAMPLES_DIR = fileURLToPath(new URL("./samples/", import.meta.url));

export const EMPTY_MARKET: Market = {
  series: new Map(),
  files: [],
  problems: [],
  loadedAt: new Date(0).toISOString(),
};

async function csvFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isFile && entry.name.toLowerCase().endsWith(".csv")) names.push(entry.name);
  }
  return names.sort().map((name) => `${folder.replace(/\/$/, "")}/${name}`);
}

function unreadable(folder: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return `folder ${folder} does not exist`;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `folder ${folder} may not be read; the operator grants it with ` +
      `[plugin.grants.finance] read = ["${folder}"]`;
  }
  return `folder ${folder} could not be read: ${(error as Error).message}`;
}

/**
 * Reads every `*.csv` of the folders, in order. A file that does not parse is skipped and
 * named in `problems`; a symbol already read from an earlier file keeps its first source.
 * `optional` folders that do not exist (an upload folder before the first upload) are fine.
 */
export async function loadMarket(
  folders: readonly { path: string; optional?: boolean }[],
  now = new Date(),
): Promise<Market> {
  const market: Market = {
    series: new Map(),
    files: [],
    problems: [],
    loadedAt: now.toISOString(),
  };
  for (const { path, optional } of folders) {
    let files: string[];
    try {
      files = await csvFiles(path);
    } catch (error) {
      if (!(optional && error instanceof Deno.errors.NotFound)) {
        market.problems.push(unreadable(path, error));
      }
      continue;
    }
    for (const file of files) {
      let parsed: Map<string, PriceSeries>;
      try {
        parsed = parsePriceCsv(await Deno.readTextFile(file), file);
      } catch (error) {
        market.problems.push((error as Error).message);
        continue;
      }
      market.files.push(file);
      for (const [symbol, series] of parsed) {
        const earlier = market.series.get(symbol);
        if (earlier) {
          market.problems.push(`${file}: symbol ${symbol} was already read from ${earlier.source}`);
        } else {
          market.series.set(symbol, { ...series, source: file });
        }
      }
    }
  }
  return market;
}
