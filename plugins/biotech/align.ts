/** Needleman-Wunsch global alignment with a linear gap penalty. */

/** Scores of one column: two equal bases, two different ones, a base against a gap. */
export interface Scoring {
  match: number;
  mismatch: number;
  gap: number;
}

export interface Alignment {
  score: number;
  /** The two sequences with `-` where the other has a base the first lacks. */
  alignedA: string;
  alignedB: string;
  /** `|` match, `.` mismatch, ` ` gap: a line to print between the two. */
  markup: string;
  matches: number;
  /** matches / columns, or 1 when both are empty. */
  identity: number;
}

const DIAGONAL = 1;
const UP = 2; // a base of A against a gap
const LEFT = 3; // a base of B against a gap

/**
 * Aligns `a` and `b` end to end for the best total score. The score matrix is kept two rows at
 * a time; the traceback needs one byte per cell, so `maxCells` bounds (len a + 1)(len b + 1).
 * Ties go to the diagonal, then a gap in B, then a gap in A.
 */
export function needlemanWunsch(
  a: string,
  b: string,
  scoring: Scoring,
  maxCells = 4_000_000,
): Alignment {
  const rows = a.length + 1;
  const cols = b.length + 1;
  if (rows * cols > maxCells) {
    throw new RangeError(
      `aligning ${a.length} by ${b.length} bases needs ${rows * cols} cells, over the limit ` +
        `of ${maxCells}`,
    );
  }
  const trace = new Uint8Array(rows * cols);
  let previous = new Float64Array(cols);
  let current = new Float64Array(cols);
  for (let j = 1; j < cols; j++) {
    previous[j] = j * scoring.gap;
    trace[j] = LEFT;
  }
  for (let i = 1; i < rows; i++) {
    current[0] = i * scoring.gap;
    trace[i * cols] = UP;
    for (let j = 1; j < cols; j++) {
      const pair = a[i - 1] === b[j - 1] ? scoring.match : scoring.mismatch;
      const diagonal = previous[j - 1]! + pair;
      const up = previous[j]! + scoring.gap;
      const left = current[j - 1]! + scoring.gap;
      let best = diagonal;
      let move = DIAGONAL;
      if (up > best) [best, move] = [up, UP];
      if (left > best) [best, move] = [left, LEFT];
      current[j] = best;
      trace[i * cols + j] = move;
    }
    [previous, current] = [current, previous];
  }
  const score = previous[cols - 1]!;

  const outA: string[] = [];
  const outB: string[] = [];
  const marks: string[] = [];
  let matches = 0;
  for (let i = rows - 1, j = cols - 1; i > 0 || j > 0;) {
    const move = trace[i * cols + j];
    if (move === DIAGONAL) {
      const [x, y] = [a[--i]!, b[--j]!];
      outA.push(x);
      outB.push(y);
      marks.push(x === y ? "|" : ".");
      if (x === y) matches++;
    } else if (move === UP) {
      outA.push(a[--i]!);
      outB.push("-");
      marks.push(" ");
    } else {
      outA.push("-");
      outB.push(b[--j]!);
      marks.push(" ");
    }
  }
  const columns = outA.length;
  return {
    score,
    alignedA: outA.reverse().join(""),
    alignedB: outB.reverse().join(""),
    markup: marks.reverse().join(""),
    matches,
    identity: columns === 0 ? 1 : matches / columns,
  };
}
