/** Open reading frames: ATG to the first in-frame stop, on both strands. */
import { reverseComplement } from "./dna.ts";
import { type Frame, translateCodon } from "./translate.ts";

/** One ORF; positions are 1-based and inclusive on the given strand, stop codon included. */
export interface Orf {
  frame: Frame;
  strand: "+" | "-";
  start: number;
  end: number;
  /** Codons from the ATG up to, not including, the stop. */
  codons: number;
  /** The translation without the stop. */
  protein: string;
}

/**
 * Every ORF of at least `minCodons` codons in the six frames, longest first. An ORF starts at
 * the first ATG after the previous stop of its frame (nested ATGs belong to it) and must end
 * in a stop: a frame that runs off the end is not an ORF.
 */
export function findOrfs(sequence: string, minCodons: number): Orf[] {
  if (!Number.isInteger(minCodons) || minCodons < 1) {
    throw new RangeError(`the minimum ORF length must be a whole number of codons >= 1`);
  }
  const dna = sequence.replaceAll("U", "T");
  const reverse = reverseComplement(dna);
  const n = dna.length;
  const orfs: Orf[] = [];
  for (const [strand, text] of [["+", dna], ["-", reverse]] as const) {
    for (let offset = 0; offset < 3; offset++) {
      const frame = `${strand}${offset + 1}` as Frame;
      let begin = -1;
      let protein = "";
      for (let i = offset; i + 3 <= n; i += 3) {
        const amino = translateCodon(text.slice(i, i + 3));
        if (begin < 0) {
          if (amino === "M" && text.startsWith("ATG", i)) {
            begin = i;
            protein = "M";
          }
          continue;
        }
        if (amino !== "*") {
          protein += amino;
          continue;
        }
        if (protein.length >= minCodons) {
          // On the minus strand, position p of the reverse complement is n - 1 - p forward.
          const [start, end] = strand === "+" ? [begin + 1, i + 3] : [n - (i + 2), n - begin];
          orfs.push({ frame, strand, start, end, codons: protein.length, protein });
        }
        begin = -1;
        protein = "";
      }
    }
  }
  return orfs.sort((a, b) => b.codons - a.codons || a.start - b.start);
}
