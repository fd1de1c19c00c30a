import * as grpc from "@grpc/grpc-js";

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
 * CPU per proxied request to a QNTX program. Used for the hot call, `HandleHTTP`, to programs
 * on a TCP port. An error comes back as gRPC sends it without a message (status in the
 * headers: "trailers-only"); `fetch` does not show trailers, so a status sent after a message
 * is not seen: the message is the answer.
 */
export class FetchUnary {
  readonly #client = Deno.createHttpClient({ http2: true, http1: false });

  /** `origin`: where the program listens, such as `http://127.0.0.1:40123`. */
  constructor(readonly origin: string) {}

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
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.status !== 200) {
        throw new FetchCallError(grpc.status.UNAVAILABLE, `HTTP ${response.status}`);
      }
      const status = response.headers.get("grpc-status");
      if (status !== null && status !== "0") {
        const said = response.headers.get("grpc-message") ?? "";
        throw new FetchCallError(Number(status) as grpc.status, decodeMessage(said));
      }
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

/** `grpc-message` is percent-encoded. */
function decodeMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
