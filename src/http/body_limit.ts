import { concatBytes } from "../protocol/mod.ts";
import { HttpError } from "./http_error.ts";

/**
 * Reads a request body whole, refusing one over `limit` bytes with 413: at once when
 * `Content-Length` says so, else as soon as the bytes read pass the limit (never buffering
 * more than the limit).
 */
export async function readBodyLimited(
  request: Request,
  limit: number,
  plugin: string,
): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(
      413,
      `the request body is larger than the ${limit} bytes plugin "${plugin}" accepts`,
      {
        plugin,
        limit,
      },
    );
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks);
}
