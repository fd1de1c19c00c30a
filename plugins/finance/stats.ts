/** Mean and sample spread of a list of numbers; the building blocks of the risk figures. */

/** The arithmetic mean; a RangeError for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("the mean of no values is undefined");
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** The sample variance (divides by n − 1); a RangeError for fewer than two values. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) {
    throw new RangeError(`a sample variance needs at least 2 values, got ${values.length}`);
  }
  const center = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - center) ** 2;
  return sum / (values.length - 1);
}

/** The sample standard deviation (divides by n − 1). */
export function sampleStdev(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}
