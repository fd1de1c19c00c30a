import { concatBytes, reasonPhrase, wholeBodyOf } from "../protocol/wire.ts";
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
 * Writes `response` as HTTP/1.1: a body whole by the time the handler returns (a string, bytes,
 * JSON: everything its stream holds is ready at once) goes with its `content-length` in the
 * same write as the head; any other is sent in chunks as it comes, the head at once (to an
 * HTTP/1.0 client, until the connection closes). HEAD answers keep the handler's
 * `content-length` when there is no body to measure. Resolves true when the response was sent
 * whole; false when the body failed (a 500 if nothing was sent yet, else the response is cut
 * short) and the connection must close. A failed write to the client throws.
 */
export async function writeResponse(
  sink: ByteSink,
  response: Response,
  framing: ResponseFraming,
): Promise<boolean> {
  const connection = framing.close ? "connection: close\r\n" : "";
  const status = response.status;
  const bodiless = status === 204 || status === 304;
  const whole = bodiless ? undefined : wholeBodyOf(response);
  const body = whole || bodiless ? null : response.body;
  if (!body) {
    if (!whole) response.body?.cancel().catch(() => {});
    const bytes = whole ?? EMPTY;
    const length = bodiless ? "" : `content-length: ${lengthOf(response, bytes, framing)}\r\n`;
    await writeAll(
      sink,
      withHead(headText(response, connection + length), framing.head ? EMPTY : bytes),
    );
    return true;
  }
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    reader = body.getReader();
    // Take what the body holds ready before the next turn of the event loop (a body made from a
    // string or bytes settles within microtasks); it is whole if it has ended by then.
    const ready: Uint8Array[] = [];
    let size = 0;
    let pending = reader.read();
    let ended = false;
    let pieces = 0;
    const turn = new Promise<typeof NOT_YET>((resolve) => {
      timer = setTimeout(() => resolve(NOT_YET), 0);
    });
    for (;;) {
      const next = await Promise.race([pending, turn]);
      if (next === NOT_YET) break;
      if (next.done) {
        ended = true;
        break;
      }
      if (next.value.length > 0) ready.push(next.value);
      size += next.value.length;
      pending = reader.read();
      // A body that yields at once and without end (even empty pieces) is sent as it goes.
      if (size >= WHOLE_AT_MOST || ++pieces >= PIECES_AT_MOST) break;
    }
    clearTimeout(timer);
    if (ended || framing.head) {
      if (!ended) reader.cancel().catch(() => {});
      const bytes = concatBytes(ready);
      const length = ended ? `content-length: ${lengthOf(response, bytes, framing)}\r\n` : "";
      await writeAll(
        sink,
        withHead(headText(response, connection + length), framing.head ? EMPTY : bytes),
      );
      return true;
    }
    const chunked = !framing.http10;
    const head = headText(
      response,
      chunked ? `${connection}transfer-encoding: chunked\r\n` : connection,
    );
    started = true;
    await writeAll(sink, withHead(head, frame(concatBytes(ready), chunked)));
    let empty = 0;
    for (let next = await pending; !next.done; next = await reader.read()) {
      if (next.value.length > 0) {
        empty = 0;
        await writeAll(sink, frame(next.value, chunked));
      } else if (++empty % PIECES_AT_MOST === 0) {
        // Empty pieces write nothing, so nothing gives the event loop its turn: give it here.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    if (chunked) await writeAll(sink, LAST_CHUNK);
    return true;
  } catch (error) {
    clearTimeout(timer);
    reader?.cancel(error).catch(() => {});
    if (error instanceof WriteError) throw error.cause;
    if (!started) await writeAll(sink, plainAnswer(500, "the answer's body failed"));
    return false;
  }
}

/** Most bytes, and pieces, taken as ready before a body is sent in chunks instead. */
const WHOLE_AT_MOST = 1024 * 1024;
const PIECES_AT_MOST = 1024;

/** The `content-length` to send: the body's, or for HEAD without one, the handler's. */
function lengthOf(response: Response, bytes: Uint8Array, framing: ResponseFraming): number {
  if (framing.head && bytes.length === 0) {
    const declared = response.headers.get("content-length");
    if (declared && /^\d{1,15}$/.test(declared)) return Number(declared);
  }
  return bytes.length;
}

/** Bytes as one chunk (none when empty: an empty chunk would end the body). */
function frame(bytes: Uint8Array, chunked: boolean): Uint8Array {
  return chunked && bytes.length > 0 ? chunk(bytes) : bytes;
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
