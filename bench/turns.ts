/**
 * Figures measured in alternating turns, so a busy neighbour on a shared machine weighs on each
 * side of a ratio alike: each figure is the median of its turns, with their spread.
 */

/** The median of some turns and their range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[sorted.length >> 1]!, min: sorted[0]!, max: sorted.at(-1)! };
}

/** `12 345 (11 800–12 900)`, each value through `show`. */
export function shown(values: readonly number[], show: (value: number) => string): string {
  const { median, min, max } = spread(values);
  return `${show(median)} (${show(min)}–${show(max)})`;
}

export const percent = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;
export const whole = (value: number) => Math.round(value).toLocaleString("en").replaceAll(",", " ");

/**
 * Runs each of `measures` once per turn, in the same order, `turns` times; the results of
 * measure i are `results[i]`, one per turn.
 */
export async function alternating<T>(
  turns: number,
  measures: readonly (() => Promise<T>)[],
): Promise<T[][]> {
  const results: T[][] = measures.map(() => []);
  for (let turn = 0; turn < turns; turn++) {
    for (const [i, measure] of measures.entries()) results[i]!.push(await measure());
  }
  return results;
}

/** Per turn, `of[i] / by[i]`: a ratio measured side by side. */
export function ratios(of: readonly number[], by: readonly number[]): number[] {
  return of.map((value, i) => value / by[i]!);
}
