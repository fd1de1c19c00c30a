import type { HTTPHeader } from "./gen/protocol/domain.ts";

/** Headers that describe one connection, not the message (RFC 9110, 7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Whether a header must not be forwarded, given the request's own `Connection` list. */
export function isHopByHop(name: string, connection: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || connection.has(lower);
}

const NO_TOKENS: ReadonlySet<string> = new Set();

function connectionTokens(headers: Headers): ReadonlySet<string> {
  const connection = headers.get("connection");
  if (!connection) return NO_TOKENS;
  return new Set(
    connection.split(",").map((token) => token.trim().toLowerCase()).filter(Boolean),
  );
}

/**
 * Headers as the wire carries them: one entry per name with all its values (three
 * `Set-Cookie` stay three). With `forwarding`, hop-by-hop headers are left out.
 */
export function toWireHeaders(headers: Headers, forwarding = false): HTTPHeader[] {
  const connection = connectionTokens(headers);
  const wire: HTTPHeader[] = [];
  // forEach gives each name once (values joined, as the iterator does) at a fraction of the
  // iterator's cost in Deno; the request path runs this for every proxied request.
  headers.forEach((value, name) => {
    if (name === "set-cookie") return; // taken whole below
    if (forwarding && isHopByHop(name, connection)) return;
    wire.push({ name, values: [value] });
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) wire.push({ name: "set-cookie", values: cookies });
  return wire;
}

/**
 * Web headers from the wire. With `forwarding`, hop-by-hop headers are left out. A header a
 * web `Headers` refuses (a bad name or value) is skipped and reported through `onInvalid`.
 */
export function fromWireHeaders(
  wire: readonly HTTPHeader[],
  forwarding = false,
  onInvalid: (name: string) => void = () => {},
): Headers {
  const headers = new Headers();
  const connection = new Set(
    wire.filter((h) => h.name.toLowerCase() === "connection").flatMap((h) =>
      h.values.flatMap((v) => v.split(",").map((t) => t.trim().toLowerCase()))
    ),
  );
  for (const header of wire) {
    if (forwarding && isHopByHop(header.name, connection)) continue;
    for (const value of header.values) {
      try {
        headers.append(header.name, value);
      } catch {
        onInvalid(header.name);
      }
    }
  }
  return headers;
}
