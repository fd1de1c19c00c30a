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

function connectionTokens(headers: Headers): Set<string> {
  return new Set(
    (headers.get("connection") ?? "").split(",").map((token) => token.trim().toLowerCase()).filter(
      Boolean,
    ),
  );
}

/**
 * Headers as the wire carries them: one entry per name with all its values (three
 * `Set-Cookie` stay three). With `forwarding`, hop-by-hop headers are left out.
 */
export function toWireHeaders(headers: Headers, forwarding = false): HTTPHeader[] {
  const connection = connectionTokens(headers);
  const byName = new Map<string, string[]>();
  for (const [name, value] of headers) {
    if (name === "set-cookie") continue; // iterated joined; taken whole below
    if (forwarding && isHopByHop(name, connection)) continue;
    const values = byName.get(name) ?? [];
    values.push(value);
    byName.set(name, values);
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) byName.set("set-cookie", cookies);
  return [...byName].map(([name, values]) => ({ name, values }));
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
