import { HttpError } from "./http_error.ts";

/** A whole number from the query string, within bounds; absent or empty gives undefined. */
export function whole(
  name: string,
  text: string | null,
  min: number,
  max: number,
): number | undefined {
  if (text === null || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
