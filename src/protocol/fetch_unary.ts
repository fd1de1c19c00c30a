import * as grpc from "@grpc/grpc-js";
import { MAX_MESSAGE_BYTES } from "./channel_options.ts";
import type { PluginAddress } from "./handshake.ts";

/** A message type of the generated stubs: how to write a request and read an answer. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** A failed call, shaped as grpc-js reports one (`code`, `details`), so callers read both alike. */
export class FetchCallError extends Error {
  override name = "FetchCallError";
  constructor(readonly code: grpc.status, readonly details: string) {
    super(`${grpc.status[code] ?? code}: ${details}`);
  }
}

const HEADERS = { "content-type": "application/grpc", te: "trailers" };

/**
 * Unary gRPC calls over Deno's own HTTP/2 client (`fetch` with prior knowledge, one connection
 * multiplexed) instead of grpc-js, whose HTTP/2 framing in JavaScript cost the host ~370 µs of
 * CPU per proxied request to a QNTX program. Used for the hot calls (`HandleHTTP`,
 * `ExecuteJob`), over a TCP port or a Unix socket. An error comes back as gRPC sends it without a message (status in the
 * headers: "trailers-only"); `fetch` does not show trailers, so a status sent after a message
 * is not seen: the message is the answer.
 */
export class FetchUnary {
  readonly #client: Deno.HttpClient;
  /** Where the calls go: the program's TCP port, or any name over its Unix socket. */
  readonly origin: string;

  constructor(address: PluginAddress, readonly maxMessageBytes = MAX_MESSAGE_BYTES) {
    if (address.kind === "tcp") {
      this.#client = Deno.createHttpClient({ http2: true, http1: false });
      this.origin = `http://127.0.0.1:${address.port}`;
    } else {
      this.#client = Deno.createHttpClient({
        http2: true,
        http1: false,
        proxy: { transport: "unix", path: address.path },
      });
      this.origin = "http://plugin";
    }
  }

  async call<Req, Res>(
    /** `/<package>.<Service>/<Method>` */
    path: string,
    codecs: { request: MessageCodec<Req>; response: MessageCodec<Res> },
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    signal?.throwIfAborted();
    const message = codecs.request.encode(request).finish();
    const framed = new Uint8Array(5 + message.byteLength);
    new DataView(framed.buffer).setUint32(1, message.byteLength);
    framed.set(message, 5);
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort("deadline"), deadlineMs);
    const cancel = () => stop.abort(signal?.reason);
    signal?.addEventListener("abort", cancel, { once: true });
    try {
      const response = await fetch(this.origin + path, {
        method: "POST",
        client: this.#client,
        headers: { ...HEADERS, "grpc-timeout": `${Math.max(1, Math.ceil(deadlineMs))}m` },
        body: framed,
        signal: stop.signal,
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new FetchCallError(grpc.status.UNAVAILABLE, `HTTP ${response.status}`);
      }
      const status = response.headers.get("grpc-status");
      if (status !== null && status !== "0") {
        await response.body?.cancel();
        const said = response.headers.get("grpc-message") ?? "";
        throw new FetchCallError(Number(status) as grpc.status, decodeMessage(said));
      }
      const bytes = await readAtMost(response.body, this.maxMessageBytes);
      if (bytes.byteLength < 5) {
        throw new FetchCallError(grpc.status.UNKNOWN, "the program answered no message");
      }
      if (bytes[0] !== 0) {
        throw new FetchCallError(grpc.status.INTERNAL, "the program compressed its answer");
      }
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(1);
      if (5 + length > bytes.byteLength) {
        throw new FetchCallError(grpc.status.INTERNAL, "the program's answer was cut short");
      }
      return codecs.response.decode(bytes.subarray(5, 5 + length));
    } catch (error) {
      if (error instanceof FetchCallError) throw error;
      if (stop.signal.aborted && stop.signal.reason === "deadline") {
        throw new FetchCallError(grpc.status.DEADLINE_EXCEEDED, "Deadline exceeded");
      }
      if (signal?.aborted) throw signal.reason;
      throw new FetchCallError(grpc.status.UNAVAILABLE, (error as Error).message);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
    }
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * A body of at most `limit` bytes (a program may answer with anything: one larger is refused as
 * grpc-js refuses a message over its limit, without reading the rest).
 */
async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const most = limit + 5; // the message's own 5-byte prefix
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > most) {
      await body.cancel().catch(() => {});
      throw new FetchCallError(
        grpc.status.RESOURCE_EXHAUSTED,
        `the program's answer is larger than ${limit} bytes`,
      );
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** `grpc-message` is percent-encoded. */
function decodeMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
