/** The HTTP edge: the one place errors become responses, and body limits. */
import { HttpError, problem as problemJson, readText as readBody } from "../../src/sdk/mod.ts";
import { SequenceFormatError } from "./fasta.ts";

export { HttpError };

/** The status an error deserves: bad input is the caller's (400), the rest is ours (500). */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (
    error instanceof SequenceFormatError || error instanceof SyntaxError ||
    error instanceof RangeError
  ) return 400;
  return 500;
}

/** An `application/problem+json` answer naming the cause. */
export function problem(error: unknown): Response {
  return problemJson(statusOf(error), error instanceof Error ? error.message : String(error));
}

/** The body as text, at most `limit` bytes (`max_upload_bytes`): 413 above, 400 if not UTF-8. */
export function readText(request: Request, limit: number): Promise<string> {
  return readBody(request, limit, `max_upload_bytes (${limit} bytes)`);
}

/** Reads a JSON object body of at most `limit` bytes. */
export async function readJsonObject(
  request: Request,
  limit: number,
): Promise<Record<string, unknown>> {
  const text = await readText(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** An integer query parameter, `fallback` when absent; anything else is a 400 naming it. */
export function intParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw)) throw new HttpError(400, `${name} must be an integer, got "${raw}"`);
  return Number(raw);
}
