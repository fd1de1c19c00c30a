import type { HTTPHeader } from "./gen_messages/protocol/domain.ts";

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
 * Whether a header says where a request came from or how it reached the host (`Forwarded`,
 * `X-Forwarded-*`, `X-Real-IP`). Only the host may say that to a plugin: a client's own would
 * let it pose as any address, host name or scheme.
 */
export function isClientForwarding(name: string): boolean {
  return isForwarding(name.toLowerCase());
}

function isForwarding(lower: string): boolean {
  return lower === "forwarded" || lower === "x-real-ip" || lower.startsWith("x-forwarded-");
}

/**
 * Headers as the wire carries them: one entry per name with all its values (three
 * `Set-Cookie` stay three). With `forwarding`, hop-by-hop headers are left out.
 */
export function toWireHeaders(headers: Headers, forwarding = false): HTTPHeader[] {
  return collect(headers, forwarding ? connectionTokens(headers) : null, false);
}

/** What the host says about a request it forwards: the scheme, host name and client it saw. */
export interface ForwardedBy {
  proto: string;
  host: string;
  /** The client's address, when the host knows it. */
  for?: string;
  /**
   * The session cookie's name when the host checks credentials: the client's `Authorization`
   * and that cookie were the host's to read and never reach a plugin (a plugin that saw them
   * could act as the operator).
   */
  hostCredentials?: string;
}

/**
 * A request header's value as a plugin may see it when the host checks credentials: none for
 * `Authorization`, the `Cookie` without the host's session (none when nothing else is left).
 */
export function withoutHostCredentials(
  name: string,
  value: string,
  sessionCookie: string,
): string | undefined {
  if (name === "authorization") return undefined;
  if (name !== "cookie") return value;
  const kept = value.split(";").map((part) => part.trim()).filter((part) =>
    part !== "" && !part.startsWith(`${sessionCookie}=`)
  );
  return kept.length > 0 ? kept.join("; ") : undefined;
}

/**
 * A client's request headers as the host forwards them to a plugin: hop-by-hop headers and
 * the client's own forwarding headers left out, then the host's `X-Forwarded-Proto`,
 * `X-Forwarded-Host` and (when it knows the client) `X-Forwarded-For`.
 */
export function toProxiedRequestHeaders(headers: Headers, by: ForwardedBy): HTTPHeader[] {
  const wire = collect(headers, connectionTokens(headers), true, by.hostCredentials);
  wire.push({ name: "x-forwarded-proto", values: [by.proto] });
  wire.push({ name: "x-forwarded-host", values: [by.host] });
  if (by.for !== undefined) wire.push({ name: "x-forwarded-for", values: [by.for] });
  return wire;
}

function collect(
  headers: Headers,
  connection: ReadonlySet<string> | null,
  dropForwarding: boolean,
  sessionCookie?: string,
): HTTPHeader[] {
  const wire: HTTPHeader[] = [];
  // forEach gives each name once (values joined, as the iterator does), lower-cased, at a
  // fraction of the iterator's cost in Deno; the request path runs this for every proxied
  // request.
  headers.forEach((value, name) => {
    if (name === "set-cookie") return; // taken whole below
    if (connection && isHopByHop(name, connection)) return;
    if (dropForwarding && isForwarding(name)) return;
    if (sessionCookie !== undefined && (name === "authorization" || name === "cookie")) {
      const kept = withoutHostCredentials(name, value, sessionCookie);
      if (kept !== undefined) wire.push({ name, values: [kept] });
      return;
    }
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
