import { readBoundedBody } from "../protocol/mod.ts";
import { HttpError } from "./http_error.ts";

/**
 * The host's one way to read a request body whole: at most `limit` bytes, refused with a 413
 * that names the limit and who set it (`accepter`, e.g. `plugin "biotech"`) at once when
 * `Content-Length` is over it, else as soon as the bytes read pass it, never buffering more.
 * `extra` adds members to the problem.
 */
export function readBodyLimited(
  request: Request,
  limit: number,
  accepter: string,
  extra: Record<string, unknown> = {},
): Promise<Uint8Array> {
  return readBoundedBody(
    request,
    limit,
    () =>
      new HttpError(
        413,
        `the request body is larger than the ${limit} bytes ${accepter} accepts`,
        { ...extra, limit },
      ),
  );
}
