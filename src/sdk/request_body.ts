import { readBoundedBody } from "../protocol/wire.ts";
import { isSharedInstance, markShared } from "./shared_class.ts";

const HTTP_ERROR = Symbol.for("qntx.sdk.HttpError");

/**
 * What a route throws to answer with a status of its choosing: the SDK turns it into an
 * `application/problem+json` answer with the message as `detail` (never a 500).
 */
export class HttpError extends Error {
  /** Always `"HttpError"`. */
  override name = "HttpError";
  /** An answer of HTTP `status` (such as 400 or 404) with `message` as its `detail`. */
  constructor(readonly status: number, message: string) {
    super(message);
    markShared(this, HTTP_ERROR);
  }

  /** An HttpError of any copy of the SDK is one (see shared_class.ts). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isSharedInstance(this, HttpError, HTTP_ERROR, value);
  }
}

/**
 * The request's body as text, read up to `limit` bytes: a longer body is refused (413) before
 * it is all read, a body that is not UTF-8 is a 400. `limitName` says in the message which
 * setting the limit comes from, e.g. `max_upload_bytes (1048576 bytes)`.
 */
export async function readText(
  request: Request,
  limit: number,
  limitName = `${limit} bytes`,
): Promise<string> {
  const bytes = await readBoundedBody(
    request,
    limit,
    () => new HttpError(413, `the request body is over ${limitName}`),
  );
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "the request body is not UTF-8 text");
  }
}

/** The request's body as JSON, read as {@link readText} does; a 400 names the parse error. */
export async function readJson(
  request: Request,
  limit: number,
  limitName?: string,
): Promise<unknown> {
  const text = await readText(request, limit, limitName);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the request body is not JSON: ${(error as Error).message}`);
  }
}
