import * as domain from "./gen_messages/protocol/domain.ts";

const Type = domain.WebSocketMessage_Type;

/**
 * QNTX's browser side of a plugin WebSocket (`/ws/<name>`): each message a JSON envelope
 * `{"type": <int>, "data": "<base64>", "headers": {…}, "timestamp": <int>}` whose `type` is
 * the `WebSocketMessage` type (DATA 1, CLOSE 2, PING 3, PONG 4).
 */
export interface Envelope {
  type: domain.WebSocketMessage_Type;
  data: Uint8Array;
  headers: Record<string, string>;
}

/** What a browser may send in an envelope: not CONNECT (the host's) nor ERROR (the plugin's). */
const FROM_BROWSER = new Set<number>([Type.DATA, Type.CLOSE, Type.PING, Type.PONG]);
const MAX_HEADERS = 64;
const MAX_HEADER_LENGTH = 8192;

/** A browser's envelope, or the reason it is not one (the message is then dropped). */
export function parseEnvelope(text: string): Envelope | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  const { type, data, headers } = value as Record<string, unknown>;
  if (typeof type !== "number" || !FROM_BROWSER.has(type)) {
    return `type must be 1 (DATA), 2 (CLOSE), 3 (PING) or 4 (PONG), not ${JSON.stringify(type)}`;
  }
  let bytes = new Uint8Array();
  if (data !== undefined && data !== "") {
    if (typeof data !== "string") return "data must be a base64 string";
    try {
      bytes = Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
    } catch {
      return "data is not base64";
    }
  }
  const wanted: Record<string, string> = {};
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== "object" || Array.isArray(headers)) return "headers must be an object";
    const entries = Object.entries(headers);
    if (entries.length > MAX_HEADERS) return `headers has ${entries.length} entries; at most 64`;
    for (const [key, item] of entries) {
      if (typeof item !== "string" || key.length + item.length > MAX_HEADER_LENGTH) {
        return `header "${key.slice(0, 64)}" must be a string of at most ${MAX_HEADER_LENGTH}`;
      }
      wanted[key] = item;
    }
  }
  return { type, data: bytes, headers: wanted };
}

/** A plugin's frame as the envelope QNTX's browser side reads (a text message). */
export function encodeEnvelope(
  type: domain.WebSocketMessage_Type,
  data: Uint8Array,
  headers: Record<string, string>,
  timestamp: bigint,
): string {
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return JSON.stringify({
    type,
    data: btoa(binary),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    timestamp: Number(timestamp),
  });
}
