import { concatBytes } from "./bytes.ts";

/**
 * A request's body read whole, at most `limit` bytes; the host and the plugin SDK both read
 * bodies through it. A `Content-Length` over the limit is refused before anything is read; a
 * body without one (chunked) is refused as soon as the bytes read pass the limit, and the rest
 * is cancelled unread, so no more than the limit and one chunk are ever held. `tooLarge`
 * makes the error thrown, so each side names its own limit in its own error type.
 */
export async function readBoundedBody(
  request: Request,
  limit: number,
  tooLarge: () => Error,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > limit) {
    // Not even the first chunk is read: the sender learns the answer before it sends more.
    await request.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return chunks.length === 0 ? new Uint8Array() : concatBytes(chunks);
}
