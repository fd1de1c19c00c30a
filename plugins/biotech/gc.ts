/** GC content: the share of G and C among the bases whose strength is known. */

/** Counts of each letter in a normalized sequence. */
export function baseCounts(sequence: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const base of sequence) counts[base] = (counts[base] ?? 0) + 1;
  return counts;
}

/**
 * (G + C + S) / (A + C + G + T + U + S + W). N and the other ambiguity codes could be either,
 * so they count in neither part; `undefined` when no base is known (all N, or empty).
 */
export function gcContent(sequence: string): number | undefined {
  let strong = 0;
  let known = 0;
  for (let i = 0; i < sequence.length; i++) {
    switch (sequence[i]) {
      case "G":
      case "C":
      case "S":
        strong++;
        known++;
        break;
      case "A":
      case "T":
      case "U":
      case "W":
        known++;
        break;
    }
  }
  return known === 0 ? undefined : strong / known;
}

/** A fraction rounded to four decimals, for display and attestations. */
export function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
