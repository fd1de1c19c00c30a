import { readBodyLimited } from "./body_limit.ts";
import { HttpError } from "./http_error.ts";

/** A JSON response; `init` may set the status and headers. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(body, init);
}

/** `application/json`, or a JSON-based `application/…+json`, with or without parameters. */
const JSON_TYPE = /^application\/([\w.!#$&^-]+\+)?json\s*(;|$)/i;

/**
 * The request's body as a JSON object, at most `limit` bytes. In this order, before anything
 * is parsed: a content type other than JSON, or none (what a page on another site can send
 * without asking first: a form, a `Blob`, a `no-cors` fetch), is a 415; a body over the limit
 * is a 413 without reading past it; then an empty, malformed or non-object body is a 400.
 */
export async function readJsonObject(
  request: Request,
  limit = 1024 * 1024,
): Promise<Record<string, unknown>> {
  const where = `${request.method} ${new URL(request.url).pathname}`;
  const type = request.headers.get("content-type");
  if (type === null || !JSON_TYPE.test(type)) {
    throw new HttpError(
      415,
      `${where} takes a JSON body: the content type must be application/json` +
        (type === null ? "; the request has none" : `, not "${type}"`),
      { expected: "application/json" },
    );
  }
  const bytes = await readBodyLimited(request, limit, where);
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
