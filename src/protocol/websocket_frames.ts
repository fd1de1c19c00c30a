/**
 * The conventions on the `HandleWebSocket` stream (documented in proto/README.md):
 * CONNECT carries `path`, `query` and forwarded request headers; DATA carries `opcode`
 * (`text` or `binary`); CLOSE carries `code` and `reason`. Also the payloads of the data
 * channel's WS_OPEN and WS_CLOSE frames, which follow the same conventions.
 */
import { WebSocketMessage, WebSocketMessage_Type } from "./gen_messages/protocol/domain.ts";

export const WS_PATH = "path";
export const WS_QUERY = "query";
export const WS_OPCODE = "opcode";
export const WS_CODE = "code";
export const WS_REASON = "reason";

// A message that begins with U+FEFF keeps it (TextDecoder drops a leading BOM by default).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * The message a DATA frame holds: a string for `opcode=text`, bytes for `opcode=binary`. A frame
 * without an opcode (from a QNTX plugin) is text when it is valid UTF-8, else binary.
 */
export function decodeDataFrame(data: Uint8Array, opcode: string | undefined): string | Uint8Array {
  if (opcode === "binary") return data;
  if (opcode === "text") return utf8.decode(data);
  try {
    return strictUtf8.decode(data);
  } catch {
    return data;
  }
}

/** The bytes and headers of a DATA frame for a message. */
export function encodeDataFrame(
  message: string | ArrayBuffer | ArrayBufferView,
): { data: Uint8Array; headers: Record<string, string> } {
  if (typeof message === "string") {
    return { data: encoder.encode(message), headers: { [WS_OPCODE]: "text" } };
  }
  const data = message instanceof ArrayBuffer
    ? new Uint8Array(message)
    : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  return { data, headers: { [WS_OPCODE]: "binary" } };
}

/** The close code and reason a CLOSE frame carries (1005, "no status", when it has none). */
export function readClose(headers: Record<string, string>): { code: number; reason: string } {
  const code = Number(headers[WS_CODE]);
  return {
    code: Number.isInteger(code) && code >= 1000 && code <= 4999 ? code : 1005,
    reason: headers[WS_REASON] ?? "",
  };
}

/** Unix nanoseconds now, for a frame's timestamp. */
export function nowNanos(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** A WS_OPEN frame's payload: a CONNECT `WebSocketMessage` carrying `headers`. */
export function openPayload(headers: Record<string, string>): Uint8Array {
  return WebSocketMessage.encode({
    type: WebSocketMessage_Type.CONNECT,
    headers,
    data: new Uint8Array(),
    timestamp: 0n,
  }).finish();
}

/** The CONNECT headers of a WS_OPEN frame; throws on bytes that are not a CONNECT. */
export function readOpenPayload(payload: Uint8Array): Record<string, string> {
  const message = WebSocketMessage.decode(payload);
  if (message.type !== WebSocketMessage_Type.CONNECT) {
    throw new TypeError(`WS_OPEN carries a message of type ${message.type}, not CONNECT`);
  }
  return message.headers;
}

/** A WS_CLOSE frame's payload: the u16 code, then the reason as UTF-8. */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = encoder.encode(reason);
  const payload = new Uint8Array(2 + text.byteLength);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}

/** The code and reason of a WS_CLOSE frame (1005, "no status", when it has no code). */
export function readClosePayload(payload: Uint8Array): { code: number; reason: string } {
  if (payload.byteLength < 2) return { code: 1005, reason: "" };
  const code = (payload[0]! << 8) | payload[1]!;
  return {
    code: code >= 1000 && code <= 4999 ? code : 1005,
    reason: utf8.decode(payload.subarray(2)),
  };
}
