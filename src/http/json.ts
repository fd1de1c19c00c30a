import { HttpError } from "./http_error.ts";

/** A JSON response; `init` may set the status and headers. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(body, init);
}

/**
 * The request's body as a JSON object, at most `limit` bytes; a missing, oversized or
 * malformed body is a 400 (413) that says which.
 */
export async function readJsonObject(
  request: Request,
  limit = 1024 * 1024,
): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (type !== "" && !/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, `the body must be application/json, not "${type}"`);
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
  if (bytes.byteLength === 0) {
    throw new HttpError(400, "the body is empty; a JSON object is expected");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new HttpError(400, `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}
