/** Nucleotide alphabet: the IUPAC codes, normalizing and the reverse complement. */

/** Every letter a nucleotide sequence may hold (IUPAC, with U for RNA). */
export const NUCLEOTIDES = "ACGTURYSWKMBDHVN";

const COMPLEMENT: Record<string, string> = {
  A: "T",
  C: "G",
  G: "C",
  T: "A",
  U: "A",
  R: "Y",
  Y: "R",
  S: "S",
  W: "W",
  K: "M",
  M: "K",
  B: "V",
  V: "B",
  D: "H",
  H: "D",
  N: "N",
};

/** The index and letter of the first character that is not a nucleotide, if any. */
export function firstInvalid(sequence: string): { index: number; char: string } | undefined {
  for (let i = 0; i < sequence.length; i++) {
    const char = sequence[i]!;
    if (!NUCLEOTIDES.includes(char)) return { index: i, char };
  }
  return undefined;
}

/**
 * Upper-cases a sequence and drops whitespace; throws a SyntaxError naming the first letter
 * outside the IUPAC nucleotide alphabet (and where it is), since every analysis assumes it.
 */
export function normalize(raw: string, name = "sequence"): string {
  const sequence = raw.replace(/\s+/g, "").toUpperCase();
  const bad = firstInvalid(sequence);
  if (bad) {
    throw new SyntaxError(
      `${name}: "${bad.char}" at position ${bad.index + 1} is not a nucleotide ` +
        `(expected one of ${NUCLEOTIDES.split("").join(" ")})`,
    );
  }
  return sequence;
}

/** Whether a sequence reads as RNA: it has U and no T. */
export function isRna(sequence: string): boolean {
  return sequence.includes("U") && !sequence.includes("T");
}

/** The reverse complement of a normalized sequence; RNA stays RNA, ambiguity codes pair up. */
export function reverseComplement(sequence: string): string {
  const rna = isRna(sequence);
  let out = "";
  for (let i = sequence.length - 1; i >= 0; i--) {
    const base = COMPLEMENT[sequence[i]!] ?? "N";
    out += rna && base === "T" ? "U" : base;
  }
  return out;
}
