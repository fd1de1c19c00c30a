/**
 * The heads of the data channel's REQUEST and RESPONSE frames: `domain.HTTPRequest` and
 * `domain.HTTPResponse`, written and read here without the generated codecs' intermediate
 * objects (see wire_bytes.ts). Field numbers are those of proto/protocol/domain.proto.
 */
import type { HTTPHeader, HTTPRequest } from "./gen_messages/protocol/domain.ts";
import { LENGTH_DELIMITED, VARINT, WireReader, type WireWriter } from "./wire_bytes.ts";

/** A request head as the plugin reads it: headers as name/value pairs, ready for `Request`. */
export interface RequestHead {
  method: string;
  path: string;
  headers: [string, string][];
  /** The first `Host` value, when there is one. */
  host?: string;
  /** The whole body when the head carries it: a view of the frame, valid while it is. */
  body?: Uint8Array;
}

/** A response head as the host reads it. */
export interface ResponseHead {
  status: number;
  headers: HTTPHeader[];
  /** The whole body when the head carries it, else empty: a view of the frame, valid while it is. */
  body: Uint8Array;
}

const tag = (field: number, wireType: number) => (field << 3) | wireType;
// domain.HTTPRequest
const REQUEST_METHOD = tag(1, LENGTH_DELIMITED);
const REQUEST_PATH = tag(2, LENGTH_DELIMITED);
const REQUEST_HEADER = tag(3, LENGTH_DELIMITED);
const REQUEST_BODY = tag(4, LENGTH_DELIMITED);
// domain.HTTPResponse
const RESPONSE_STATUS = tag(1, VARINT);
const RESPONSE_HEADER = tag(2, LENGTH_DELIMITED);
const RESPONSE_BODY = tag(3, LENGTH_DELIMITED);
// domain.HTTPHeader
const HEADER_NAME = tag(1, LENGTH_DELIMITED);
const HEADER_VALUE = tag(2, LENGTH_DELIMITED);

/** Writes `head` as a `domain.HTTPRequest`. */
export function writeRequestHead(out: WireWriter, head: HTTPRequest): void {
  if (head.method) out.string(1, head.method);
  if (head.path) out.string(2, head.path);
  for (const header of head.headers) writeHeader(out, 3, header.name, header.values);
  if (head.body.byteLength > 0) out.bytesField(4, head.body);
}

/**
 * Writes a web response's head as a `domain.HTTPResponse`: one entry per header name (values
 * joined as `Headers` joins them), every `Set-Cookie` kept apart, and `body` when given.
 */
export function writeResponseHead(
  out: WireWriter,
  status: number,
  headers: Headers,
  body?: Uint8Array,
): void {
  if (status !== 0) out.int32(1, status);
  let cookies = false;
  // forEach, not for…of: Deno's header iterator costs several times more.
  headers.forEach((value, name) => {
    if (name === "set-cookie") cookies = true;
    else writeHeader(out, 2, name, [value]);
  });
  if (cookies) writeHeader(out, 2, "set-cookie", headers.getSetCookie());
  if (body && body.byteLength > 0) out.bytesField(3, body);
}

function writeHeader(out: WireWriter, field: number, name: string, values: readonly string[]) {
  const start = out.begin(field);
  if (name) out.string(1, name);
  for (const value of values) out.string(2, value);
  out.end(start);
}

/** Reads a `domain.HTTPRequest`; throws a `RangeError` when the bytes are not one. */
export function readRequestHead(bytes: Uint8Array): RequestHead {
  const reader = new WireReader(bytes);
  const head: RequestHead = { method: "", path: "", headers: [] };
  while (!reader.done) {
    const field = reader.varint();
    if (field === REQUEST_METHOD) head.method = reader.string();
    else if (field === REQUEST_PATH) head.path = reader.string();
    else if (field === REQUEST_HEADER) {
      const { name, values } = readHeader(reader);
      for (const value of values) head.headers.push([name, value]);
      if (head.host === undefined && values.length > 0 && isHost(name)) head.host = values[0];
    } else if (field === REQUEST_BODY) head.body = reader.bytes();
    else reader.skip(field & 7);
  }
  return head;
}

/** Reads a `domain.HTTPResponse`; throws a `RangeError` when the bytes are not one. */
export function readResponseHead(bytes: Uint8Array): ResponseHead {
  const reader = new WireReader(bytes);
  const head: ResponseHead = { status: 0, headers: [], body: new Uint8Array(0) };
  while (!reader.done) {
    const field = reader.varint();
    if (field === RESPONSE_STATUS) head.status = reader.varint() | 0;
    else if (field === RESPONSE_HEADER) head.headers.push(readHeader(reader));
    else if (field === RESPONSE_BODY) head.body = reader.bytes();
    else reader.skip(field & 7);
  }
  return head;
}

/** Reads one embedded `domain.HTTPHeader` with the message's own reader, bounded for a while. */
function readHeader(reader: WireReader): HTTPHeader {
  const length = reader.length();
  const end = reader.end;
  reader.end = reader.at + length;
  const header: HTTPHeader = { name: "", values: [] };
  while (!reader.done) {
    const field = reader.varint();
    if (field === HEADER_NAME) header.name = reader.string();
    else if (field === HEADER_VALUE) header.values.push(reader.string());
    else reader.skip(field & 7);
  }
  reader.end = end;
  return header;
}

function isHost(name: string): boolean {
  return name.length === 4 && name.toLowerCase() === "host";
}
