/** The samples folder: which FASTA/FASTQ files it holds, and finding a sequence by name. */
import { join } from "node:path";
import { parseSequences, type SeqRecord } from "./fasta.ts";
import { HttpError } from "./http.ts";

const EXTENSIONS = [".fa", ".fasta", ".fna", ".ffn", ".fq", ".fastq"];

/** Whether a file name looks like FASTA or FASTQ. */
export function isSampleName(name: string): boolean {
  return EXTENSIONS.some((extension) => name.toLowerCase().endsWith(extension));
}

export interface SampleFile {
  name: string;
  bytes: number;
}

/** The sample files of `dir`, by name; a folder that cannot be read is a 503 saying why. */
export async function listSamples(dir: string): Promise<SampleFile[]> {
  const files: SampleFile[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !isSampleName(entry.name)) continue;
      files.push({ name: entry.name, bytes: (await Deno.stat(join(dir, entry.name))).size });
    }
  } catch (error) {
    throw new HttpError(503, folderProblem(dir, error));
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** Why a folder cannot be read, with what the operator can do about it. */
export function folderProblem(dir: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return `the samples folder ${dir} does not exist`;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `the samples folder ${dir} is not readable by the plugin; grant it with ` +
      `[plugin.grants.biotech] read = ["${dir}"]`;
  }
  return `the samples folder ${dir} cannot be read: ${(error as Error).message}`;
}

/** Reads and parses one sample file; `limit` bounds its size (a 413 says to use a job). */
export async function loadSample(dir: string, name: string, limit: number): Promise<SeqRecord[]> {
  if (!isSampleName(name) || name.includes("/") || name.includes("\\")) {
    throw new HttpError(404, `"${name}" is not a sample file name (${EXTENSIONS.join(" ")})`);
  }
  const path = join(dir, name);
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new HttpError(404, `there is no sample file "${name}" in ${dir}`);
    }
    throw new HttpError(503, folderProblem(dir, error));
  }
  if (size > limit) {
    throw new HttpError(
      413,
      `sample file "${name}" is ${size} bytes, over max_upload_bytes (${limit}); analyze it ` +
        `with the biotech/analyze job`,
    );
  }
  try {
    return parseSequences(await Deno.readTextFile(path));
  } catch (error) {
    throw new HttpError(400, `sample file "${name}": ${(error as Error).message}`);
  }
}

/**
 * The records `name` stands for: every record of the sample file of that name, else the one
 * record with that id in any sample file; a 404 when neither exists.
 */
export async function findSequences(
  dir: string,
  name: string,
  limit: number,
): Promise<{ file: string; records: SeqRecord[] }> {
  const files = await listSamples(dir);
  if (files.some((file) => file.name === name)) {
    return { file: name, records: await loadSample(dir, name, limit) };
  }
  const ids: string[] = [];
  for (const file of files) {
    if (file.bytes > limit) continue;
    const records = await loadSample(dir, file.name, limit).catch(() => []);
    const found = records.find((record) => record.id === name);
    if (found) return { file: file.name, records: [found] };
    ids.push(...records.map((record) => record.id));
  }
  throw new HttpError(
    404,
    `no sample file or sequence named "${name}" in ${dir}; files: ` +
      `${files.map((file) => file.name).join(", ") || "none"}; sequences: ` +
      `${ids.slice(0, 20).join(", ") || "none"}`,
  );
}
