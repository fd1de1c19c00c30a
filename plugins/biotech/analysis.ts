/** One record's statistics, and the attestations that record them. */
import type { AttestationCommand } from "../../src/sdk/mod.ts";
import { meanQuality, type SeqRecord } from "./fasta.ts";
import { baseCounts, gcContent, round4 } from "./gc.ts";
import { countKmers, type KmerCount } from "./kmers.ts";
import { findOrfs, type Orf } from "./orfs.ts";

export interface AnalysisOptions {
  k: number;
  minOrfCodons: number;
  /** How many of the most frequent k-mers to keep (default 10). */
  topKmers?: number;
}

export interface RecordStats {
  id: string;
  description: string;
  length: number;
  /** Rounded to four decimals; null when no base is A, C, G, T or U. */
  gcContent: number | null;
  baseCounts: Record<string, number>;
  /** FASTQ only: mean Phred score. */
  meanQuality?: number;
  orfCount: number;
  longestOrf: Orf | null;
  k: number;
  distinctKmers: number;
  topKmers: KmerCount[];
}

export function analyzeRecord(record: SeqRecord, options: AnalysisOptions): RecordStats {
  const gc = gcContent(record.sequence);
  const orfs = findOrfs(record.sequence, options.minOrfCodons);
  const kmers = countKmers(record.sequence, options.k);
  const quality = record.quality === undefined ? undefined : meanQuality(record.quality);
  return {
    id: record.id,
    description: record.description,
    length: record.sequence.length,
    gcContent: gc === undefined ? null : round4(gc),
    baseCounts: baseCounts(record.sequence),
    ...(quality === undefined ? {} : { meanQuality: round4(quality) }),
    orfCount: orfs.length,
    longestOrf: orfs[0] ?? null,
    k: options.k,
    distinctKmers: kmers.length,
    topKmers: kmers.slice(0, options.topKmers ?? 10),
  };
}

/**
 * `<id> has gc_content 0.41` and its kin: one attestation per fact, the value as the context
 * (so it reads as a sentence) and again, typed, in the attributes with where it came from.
 */
export function attestationsFor(
  stats: RecordStats,
  origin: Record<string, unknown>,
): AttestationCommand[] {
  const facts: [string, number | null | undefined][] = [
    ["gc_content", stats.gcContent],
    ["length", stats.length],
    ["orf_count", stats.orfCount],
    ["longest_orf_codons", stats.longestOrf?.codons],
    ["mean_quality", stats.meanQuality],
  ];
  return facts.filter((fact): fact is [string, number] => typeof fact[1] === "number")
    .map(([predicate, value]) => ({
      subjects: [stats.id],
      predicates: [predicate],
      contexts: [String(value)],
      actors: ["biotech"],
      attributes: { value, ...origin },
    }));
}
