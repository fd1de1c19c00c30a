import { BAD_VALUE, quote, REQUEST_LINE, TOKEN } from "./http_chars.ts";

/** Body framing of a request whose body is sent in chunks (`Transfer-Encoding: chunked`). */
export const CHUNKED = -1;

/** A request head the front has checked, with its body's framing decided. */
export interface RequestHead {
  method: string;
  /** The request target as sent: origin-form (`/path?query`) or absolute-form. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
  /** Header fields in the order sent, names lower-cased, values trimmed. */
  headers: [string, string][];
  /** The `Host` field, when there is one. */
  host: string | undefined;
  /** Bytes of body framed by `Content-Length`, {@link CHUNKED}, or 0 for none. */
  bodyLength: number;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  /** The client asks for a WebSocket (`Upgrade: websocket`), whatever else the head says. */
  webSocket: boolean;
  /** The client waits for `100 Continue` before it sends the body. */
  expectContinue: boolean;
}

/** A head the front refuses: the status to answer and why, in words for the client and log. */
export class HeadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "HeadError";
  }
}

/** Most header fields one head may carry (as hyper, which `Deno.serve` uses). */
export const MAX_HEADER_FIELDS = 100;

const DIGITS = /^\d{1,15}$/;
/** Methods the Fetch standard refuses to build a `Request` for. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * Reads one request head (`text` is its bytes as Latin-1, without the blank line that ends
 * it) under RFC 9112's rules, strictly where leniency lets two parsers disagree on where a
 * request ends: lines end in CRLF, no folded or space-preceded field names, one framing
 * (`Content-Length` or `chunked`, never both), one `Host`. Throws {@link HeadError}.
 */
export function parseRequestHead(text: string): RequestHead {
  const lines = text.split("\r\n");
  const line = REQUEST_LINE.exec(lines[0]!);
  if (!line) throw requestLineError(lines[0]!);
  const method = normalMethod(line[1]!);
  const target = line[2]!;
  const minor = Number(line[3]);
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new HeadError(501, `the method ${method} is not served`);
  }
  if (target[0] !== "/" && !/^https?:\/\//i.test(target)) {
    throw new HeadError(400, "the request target must be a path or an absolute http URL");
  }
  if (lines.length - 1 > MAX_HEADER_FIELDS) {
    throw new HeadError(431, `more than ${MAX_HEADER_FIELDS} header fields`);
  }
  const headers: [string, string][] = [];
  let host: string | undefined;
  let lengthField: string | undefined;
  let chunked = false;
  let close = minor === 0;
  let upgradeWebSocket = false;
  let expectContinue = false;
  for (let i = 1; i < lines.length; i++) {
    const field = lines[i]!;
    const colon = field.indexOf(":");
    const name = colon > 0 ? field.slice(0, colon) : "";
    if (!TOKEN.test(name)) {
      throw new HeadError(
        400,
        field[0] === " " || field[0] === "\t"
          ? "folded header lines are not accepted"
          : `a header line is not "name: value": ${quote(field)}`,
      );
    }
    const value = withoutOws(field, colon + 1);
    if (BAD_VALUE.test(value)) {
      throw new HeadError(400, `the header ${name} holds a control character`);
    }
    const lower = name.toLowerCase();
    headers.push([lower, value]);
    switch (lower) {
      case "host":
        if (host !== undefined) throw new HeadError(400, "more than one Host header");
        host = value;
        break;
      case "content-length":
        lengthField = sameLength(lengthField, value);
        break;
      case "transfer-encoding":
        if (minor === 0) throw new HeadError(400, "Transfer-Encoding in an HTTP/1.0 request");
        if (chunked) throw new HeadError(400, "chunked named twice in Transfer-Encoding");
        if (tokens(value).join() !== "chunked") {
          throw new HeadError(501, `the transfer coding "${quote(value)}" is not supported`);
        }
        chunked = true;
        break;
      case "connection":
        for (const token of tokens(value)) {
          if (token === "close") close = true;
        }
        break;
      case "upgrade":
        if (tokens(value).includes("websocket")) upgradeWebSocket = true;
        break;
      case "expect":
        if (value.toLowerCase() !== "100-continue") {
          throw new HeadError(417, `the expectation "${quote(value)}" is not supported`);
        }
        expectContinue = true;
        break;
    }
  }
  if (chunked && lengthField !== undefined) {
    throw new HeadError(400, "both Content-Length and Transfer-Encoding: chunked");
  }
  if (minor === 1 && host === undefined) throw new HeadError(400, "no Host header");
  if (host === "" && target[0] === "/") throw new HeadError(400, "the Host header is empty");
  const bodyLength = chunked ? CHUNKED : Number(lengthField ?? 0);
  return {
    method,
    target,
    minor,
    headers,
    host,
    bodyLength,
    keepAlive: !close,
    webSocket: upgradeWebSocket,
    expectContinue: expectContinue && minor === 1 && bodyLength !== 0,
  };
}

/** The URL a head names: its absolute-form target, else its path under `Host` (or `fallback`). */
export function requestUrl(head: RequestHead, fallbackHost: string): URL {
  const authority = head.host ?? fallbackHost;
  if (head.target[0] === "/" && !/^[\w\-.~%!$&'()*+,;=:[\]]*$/.test(authority)) {
    throw new HeadError(400, `the Host header is not a host name: ${quote(authority)}`);
  }
  try {
    return head.target[0] === "/"
      ? new URL(`http://${authority}${head.target}`)
      : new URL(head.target);
  } catch {
    throw new HeadError(400, `the request does not name a URL: ${quote(head.target)}`);
  }
}

function requestLineError(line: string): HeadError {
  const version = / HTTP\/(\d\.\d)$/.exec(line.slice(-10));
  if (version && !version[1]!.startsWith("1.")) {
    return new HeadError(505, `HTTP/${version[1]} is not served here (HTTP/1.1 is)`);
  }
  return new HeadError(400, `the request line is not "METHOD target HTTP/1.x": ${quote(line)}`);
}

/** The methods `Request` upper-cases (Fetch: normalize a method), upper-cased here too. */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

function normalMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED.has(upper) ? upper : method;
}

/** A field's value without the spaces and tabs around it (a loop: a regex was quadratic). */
function withoutOws(field: string, from: number): string {
  let start = from;
  let end = field.length;
  while (start < end && (field.charCodeAt(start) === 32 || field.charCodeAt(start) === 9)) start++;
  while (end > start && (field.charCodeAt(end - 1) === 32 || field.charCodeAt(end - 1) === 9)) {
    end--;
  }
  return field.slice(start, end);
}

/** Content-Length may repeat (as fields or a list) only with one value, in plain digits. */
function sameLength(seen: string | undefined, value: string): string {
  for (const part of value.split(",")) {
    const length = part.trim();
    if (!DIGITS.test(length)) {
      throw new HeadError(400, `Content-Length is not a number of bytes: ${quote(value)}`);
    }
    if (seen !== undefined && Number(seen) !== Number(length)) {
      throw new HeadError(400, "Content-Length given twice with different values");
    }
    seen = length;
  }
  return seen!;
}

function tokens(value: string): string[] {
  return value.toLowerCase().split(",").map((token) => token.trim()).filter(Boolean);
}
