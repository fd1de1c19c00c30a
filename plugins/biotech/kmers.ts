/** k-mer counts: every window of k unambiguous bases, on the strand given. */

/** The largest k accepted: beyond it nearly every k-mer of a real sequence is unique. */
export const MAX_K = 32;

/** One k-mer and how often it occurs. */
export interface KmerCount {
  kmer: string;
  count: number;
}

/** Throws a RangeError naming the bad value unless 1 <= k <= MAX_K. */
export function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new RangeError(`k must be a whole number from 1 to ${MAX_K}, got ${k}`);
  }
  return k;
}

/**
 * Counts every k-mer, most frequent first (ties in alphabetical order). Windows with a letter
 * other than A, C, G, T (U reads as T) are skipped, since their k-mer is not one sequence.
 */
export function countKmers(sequence: string, k: number): KmerCount[] {
  checkK(k);
  const dna = sequence.replaceAll("U", "T");
  const counts = new Map<string, number>();
  let clean = 0; // How many A/C/G/T end at i, so a window is clean when clean >= k.
  for (let i = 0; i < dna.length; i++) {
    clean = "ACGT".includes(dna[i]!) ? clean + 1 : 0;
    if (clean < k) continue;
    const kmer = dna.slice(i - k + 1, i + 1);
    counts.set(kmer, (counts.get(kmer) ?? 0) + 1);
  }
  return [...counts].map(([kmer, count]) => ({ kmer, count }))
    .sort((a, b) => b.count - a.count || (a.kmer < b.kmer ? -1 : 1));
}
