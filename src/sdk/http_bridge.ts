import { type domain, fromWireHeaders, toWireHeaders } from "../protocol/wire.ts";

const NO_BODY = new Set(["GET", "HEAD"]);

/** Turns a wire request into a web `Request` (the path keeps its query). */
export function toRequest(wire: domain.HTTPRequest, signal?: AbortSignal): Request {
  if (!wire.path.startsWith("/")) {
    throw new TypeError(`the request path must start with "/", got "${wire.path}"`);
  }
  const headers = fromWireHeaders(wire.headers);
  const url = new URL(wire.path, `http://${headers.get("host") ?? "localhost"}`);
  const method = wire.method.toUpperCase() || "GET";
  const init: RequestInit = { method, headers };
  if (signal) init.signal = signal;
  // Decoded bytes are views of a plain ArrayBuffer, never a shared one.
  if (!NO_BODY.has(method) && wire.body.length > 0) {
    init.body = wire.body as Uint8Array<ArrayBuffer>;
  }
  return new Request(url, init);
}

/** Reads a web `Response` whole into a wire response. */
export async function fromResponse(response: Response): Promise<domain.HTTPResponse> {
  return {
    statusCode: response.status,
    headers: toWireHeaders(response.headers),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}
