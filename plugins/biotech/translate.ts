/** Translation with the standard genetic code (NCBI table 1), in one frame or all six. */
import { reverseComplement } from "./dna.ts";

const ORDER = "TCAG";
/** Amino acids of the 64 codons, first base slowest, each position in T C A G order. */
const AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG";

const CODONS = new Map<string, string>();
for (let i = 0; i < 64; i++) {
  const codon = ORDER[i >> 4]! + ORDER[(i >> 2) & 3]! + ORDER[i & 3]!;
  CODONS.set(codon, AMINO[i]!);
}

/** The amino acid of one codon (`*` for stop, `X` when an ambiguity code leaves it open). */
export function translateCodon(codon: string): string {
  return CODONS.get(codon.replaceAll("U", "T")) ?? "X";
}

/** Translates from `offset` (0, 1 or 2) in whole codons; a trailing partial codon is dropped. */
export function translate(sequence: string, offset = 0): string {
  let protein = "";
  for (let i = offset; i + 3 <= sequence.length; i += 3) {
    protein += translateCodon(sequence.slice(i, i + 3));
  }
  return protein;
}

/** A reading frame: +1, +2, +3 on the given strand, -1, -2, -3 on its reverse complement. */
export type Frame = "+1" | "+2" | "+3" | "-1" | "-2" | "-3";

export const FRAMES: readonly Frame[] = ["+1", "+2", "+3", "-1", "-2", "-3"];

/** The protein of each of the six frames. */
export function sixFrames(sequence: string): Record<Frame, string> {
  const reverse = reverseComplement(sequence);
  return {
    "+1": translate(sequence, 0),
    "+2": translate(sequence, 1),
    "+3": translate(sequence, 2),
    "-1": translate(reverse, 0),
    "-2": translate(reverse, 1),
    "-3": translate(reverse, 2),
  };
}
