import { reasonPhrase, wholeBodyOf } from "../protocol/wire.ts";
import { ASCII } from "./http_chars.ts";

/** Where a response is written: a connection (or a test's collector). */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** How to frame and end one response. */
export interface ResponseFraming {
  /** The request was HEAD: the head alone is sent. */
  head: boolean;
  /** The client speaks HTTP/1.0: no chunks, the body ends with the connection. */
  http10: boolean;
  /** The connection ends after this response. */
  close: boolean;
}

const encoder = new TextEncoder();
/** Fields the front decides itself: framing and the connection's fate. */
const OWN_FIELDS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);
const NOT_YET = Symbol("not yet");
const notYet = Promise.resolve(NOT_YET);
const CRLF = encoder.encode("\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");
const EMPTY = new Uint8Array();

let dateSecond = 0;
let dateField = "";

/** The `date` field, formatted once a second. */
function date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateField = `date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateField;
}

/** A status line and fields, up to the blank line. */
function headText(response: Response, framing: string): string {
  let text = `HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}\r\n`;
  let dated = false;
  for (const [name, value] of response.headers) {
    if (OWN_FIELDS.has(name)) continue;
    if (name === "date") dated = true;
    text += `${name}: ${value}\r\n`;
  }
  return text + (dated ? "" : date()) + framing + "\r\n";
}

/**
 * Writes `response` as HTTP/1.1: a body known whole when the handler returns (a string, bytes,
 * JSON) goes with its `content-length` in the same write as the head; any other is sent in
 * chunks as it comes (to an HTTP/1.0 client, until the connection closes). Resolves true when
 * the body was sent whole; a body that fails midway leaves the response cut short (false) and
 * the connection must close. A failed write to the client throws.
 */
export async function writeResponse(
  sink: ByteSink,
  response: Response,
  framing: ResponseFraming,
): Promise<boolean> {
  const connection = framing.close ? "connection: close\r\n" : "";
  const status = response.status;
  const whole = status === 204 || status === 304 ? undefined : wholeBodyOf(response);
  if (whole) {
    const head = headText(response, `${connection}content-length: ${whole.length}\r\n`);
    await writeAll(sink, withHead(head, framing.head ? EMPTY : whole));
    return true;
  }
  const body = response.body;
  if (status === 204 || status === 304 || !body) {
    body?.cancel().catch(() => {});
    const length = status === 204 || status === 304 ? "" : "content-length: 0\r\n";
    await writeAll(sink, withHead(headText(response, connection + length)));
    return true;
  }
  const reader = body.getReader();
  try {
    const first = await reader.read();
    // A body known whole has ended by now: its next read is already settled.
    const pending = first.done ? undefined : reader.read();
    const second = pending ? await Promise.race([pending, notYet]) : first;
    if (second !== NOT_YET && second.done) {
      const bytes = first.value ?? EMPTY;
      const head = headText(response, `${connection}content-length: ${bytes.length}\r\n`);
      await writeAll(sink, withHead(head, framing.head ? EMPTY : bytes));
      return true;
    }
    if (framing.head) {
      reader.cancel().catch(() => {});
      await writeAll(sink, withHead(headText(response, connection)));
      return true;
    }
    const chunked = !framing.http10;
    const head = headText(
      response,
      chunked ? `${connection}transfer-encoding: chunked\r\n` : connection,
    );
    await writeAll(sink, withHead(head, chunked ? chunk(first.value!) : first.value!));
    let next = second === NOT_YET ? await pending! : second;
    for (; !next.done; next = await reader.read()) {
      if (next.value.length > 0) await writeAll(sink, chunked ? chunk(next.value) : next.value);
    }
    if (chunked) await writeAll(sink, LAST_CHUNK);
    return true;
  } catch (error) {
    reader.cancel(error).catch(() => {});
    if (error instanceof WriteError) throw error.cause;
    return false;
  }
}

/** A failed write to the client, told apart from a failing body. */
class WriteError extends Error {}

async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  try {
    let written = 0;
    while (written < bytes.length) written += await sink.write(bytes.subarray(written));
  } catch (cause) {
    throw new WriteError("the client could not be written to", { cause });
  }
}

/** The head's text (Latin-1, one byte per character, as field values are) and the body. */
function withHead(head: string, body: Uint8Array = EMPTY): Uint8Array {
  const bytes = new Uint8Array(head.length + body.length);
  if (ASCII.test(head)) encoder.encodeInto(head, bytes);
  else for (let i = 0; i < head.length; i++) bytes[i] = head.charCodeAt(i);
  bytes.set(body, head.length);
  return bytes;
}

function chunk(bytes: Uint8Array): Uint8Array {
  const size = `${bytes.length.toString(16)}\r\n`;
  const framed = new Uint8Array(size.length + bytes.length + 2);
  encoder.encodeInto(size, framed);
  framed.set(bytes, size.length);
  framed.set(CRLF, size.length + bytes.length);
  return framed;
}

/** A short plain-text answer the front gives itself (408, 431, 429, 400 …), closing after. */
export function plainAnswer(status: number, text: string, extra = ""): Uint8Array {
  const body = encoder.encode(`${text}\n`);
  return withHead(
    `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nconnection: close\r\n${extra}` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${date()}\r\n`,
    body,
  );
}
