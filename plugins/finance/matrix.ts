/** Small dense matrices as arrays of rows: just what the minimum-variance portfolio needs. */
export type Matrix = number[][];

/** A matrix with no inverse (or too close to one to trust), such as two identical assets. */
export class SingularMatrixError extends RangeError {
  override name = "SingularMatrixError";
}

/** Pivots smaller than this fraction of the largest entry count as zero. */
const RELATIVE_TOLERANCE = 1e-10;

/** The inverse by Gauss–Jordan elimination with partial pivoting. */
export function invert(matrix: Matrix): Matrix {
  const n = matrix.length;
  if (n === 0 || matrix.some((row) => row.length !== n)) {
    throw new RangeError(`only a non-empty square matrix has an inverse`);
  }
  const scale = Math.max(...matrix.flat().map(Math.abs));
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new SingularMatrixError("the matrix is zero or not finite");
  }
  // Work on [A | I] and turn it into [I | A⁻¹].
  const rows = matrix.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(rows[r]![col]!) > Math.abs(rows[pivot]![col]!)) pivot = r;
    }
    if (Math.abs(rows[pivot]![col]!) <= scale * RELATIVE_TOLERANCE) {
      throw new SingularMatrixError(`the matrix is singular (no usable pivot in column ${col})`);
    }
    [rows[col], rows[pivot]] = [rows[pivot]!, rows[col]!];
    const lead = rows[col]!;
    const divisor = lead[col]!;
    for (let j = 0; j < 2 * n; j++) lead[j] = lead[j]! / divisor;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const row = rows[r]!;
      const factor = row[col]!;
      if (factor === 0) continue;
      for (let j = 0; j < 2 * n; j++) row[j] = row[j]! - factor * lead[j]!;
    }
  }
  return rows.map((row) => row.slice(n));
}

/** Matrix times vector. */
export function multiply(matrix: Matrix, vector: readonly number[]): number[] {
  return matrix.map((row) => row.reduce((sum, value, j) => sum + value * vector[j]!, 0));
}
