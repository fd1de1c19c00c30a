/** Parses FASTA and FASTQ text into checked records; errors name the line and the problem. */
import { firstInvalid, NUCLEOTIDES } from "./dna.ts";

/** One sequence read from a FASTA or FASTQ file. */
export interface SeqRecord {
  id: string;
  description: string;
  /** Upper-case IUPAC nucleotides, no whitespace. */
  sequence: string;
  /** FASTQ only: the Phred+33 quality string, as long as the sequence. */
  quality?: string;
}

/** The input is not valid FASTA or FASTQ; the message says where and why. */
export class SequenceFormatError extends SyntaxError {
  override name = "SequenceFormatError";
}

/**
 * Reads FASTA (`>` headers) or FASTQ (`@` headers), told apart by the first line that is
 * neither blank nor a `;` comment.
 */
export function parseSequences(text: string): SeqRecord[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() !== "" && !line.startsWith(";"));
  const first = lines[start]?.trimStart();
  if (first === undefined) throw new SequenceFormatError("the input is empty: no sequences");
  const records = first.startsWith(">")
    ? parseFasta(lines)
    : first.startsWith("@")
    ? parseFastq(lines)
    : fail(
      start,
      `expected a FASTA header (">id") or a FASTQ header ("@id"), got "${clip(first)}"`,
    );
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.id)) throw new SequenceFormatError(`duplicate sequence id "${record.id}"`);
    seen.add(record.id);
  }
  return records;
}

function parseFasta(lines: string[]): SeqRecord[] {
  const records: SeqRecord[] = [];
  let current: { record: SeqRecord; line: number; parts: string[] } | undefined;
  const finish = () => {
    if (!current) return;
    current.record.sequence = current.parts.join("");
    if (current.record.sequence === "") {
      fail(current.line, `sequence "${current.record.id}" has no bases`);
    }
    records.push(current.record);
  };
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith(";")) return;
    if (line.startsWith(">")) {
      finish();
      current = { record: header(line, index), line: index, parts: [] };
      return;
    }
    if (!current) fail(index, "sequence data before the first header");
    const bases = line.replace(/\s+/g, "").toUpperCase();
    checkBases(bases, index, current.record.id);
    current.parts.push(bases);
  });
  finish();
  return records;
}

function parseFastq(lines: string[]): SeqRecord[] {
  const records: SeqRecord[] = [];
  let index = 0;
  const next = () => index < lines.length ? lines[index++]!.trim() : undefined;
  for (;;) {
    let line = next();
    while (line === "") line = next();
    if (line === undefined) break;
    const at = index - 1;
    if (!line.startsWith("@")) fail(at, `expected a FASTQ header ("@id"), got "${clip(line)}"`);
    const record = header(line, at);
    const bases = (next() ?? "").toUpperCase();
    if (bases === "") fail(at + 1, `read "${record.id}" has no bases`);
    checkBases(bases, at + 1, record.id);
    const plus = next();
    if (plus === undefined || !plus.startsWith("+")) {
      fail(at + 2, `read "${record.id}": expected a "+" line (multi-line FASTQ is not supported)`);
    }
    const quality = next() ?? "";
    if (quality.length !== bases.length) {
      fail(
        at + 3,
        `read "${record.id}" has ${bases.length} bases but ${quality.length} quality scores`,
      );
    }
    const bad = [...quality].findIndex((char) => char < "!" || char > "~");
    if (bad >= 0) fail(at + 3, `read "${record.id}": quality character ${bad + 1} is not Phred+33`);
    records.push({ ...record, sequence: bases, quality });
  }
  return records;
}

function header(line: string, index: number): SeqRecord {
  const text = line.slice(1).trim();
  const space = text.search(/\s/);
  const id = space < 0 ? text : text.slice(0, space);
  if (id === "") fail(index, `header "${clip(line)}" has no sequence id`);
  return { id, description: space < 0 ? "" : text.slice(space + 1).trim(), sequence: "" };
}

function checkBases(bases: string, index: number, id: string): void {
  const bad = firstInvalid(bases);
  if (!bad) return;
  fail(
    index,
    `sequence "${id}": "${bad.char}" at column ${bad.index + 1} is not a nucleotide ` +
      `(expected one of ${NUCLEOTIDES.split("").join(" ")})`,
  );
}

function fail(index: number, message: string): never {
  throw new SequenceFormatError(`line ${index + 1}: ${message}`);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Mean Phred score of a Phred+33 quality string, or undefined when it is empty. */
export function meanQuality(quality: string): number | undefined {
  if (quality.length === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < quality.length; i++) sum += quality.charCodeAt(i) - 33;
  return sum / quality.length;
}
