import type { ConnReader } from "./conn_reader.ts";
import { concatBytes } from "../protocol/wire.ts";
import { CHUNK_SIZE, FIELD_LINE, quote } from "./http_chars.ts";
import { CHUNKED } from "./request_head.ts";

/** Longest chunk-size line (size and extensions) accepted. */
const MAX_SIZE_LINE = 4096;
/** Most bytes of trailer fields accepted after the last chunk (they are read and dropped). */
const MAX_TRAILERS = 16 * 1024;
const decoder = new TextDecoder();

/** A body that does not follow its framing; the connection cannot be read further. */
export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BodyError";
  }
}

/** What the front does around a body's reads. */
export interface BodyHooks {
  /** Runs once, before the first read from the client (`100 Continue`). */
  beforeFirstRead?: () => Promise<void>;
  /** Told when the body starts and stops waiting for the client's bytes. */
  waiting?: (waiting: boolean) => void;
  /** Runs once when the body has been read to its end, or has failed (with why). */
  onEnd?: (error?: Error) => void;
}

/**
 * One request's body as it arrives on the connection, framed by `Content-Length` or by chunks
 * (RFC 9112 §7.1, strictly: CRLF after each chunk, hex sizes without sign or overflow). It ends
 * exactly where the body ends, so the next request's bytes stay in the reader.
 */
export class RequestBody {
  /** Bytes still to come of the current chunk, or of the whole body when framed by length. */
  #remaining: number;
  readonly #chunked: boolean;
  #finished = false;
  #failed?: Error;
  #sizeLine = true;
  readonly #hooks: BodyHooks;
  #continued = false;

  constructor(readonly reader: ConnReader, length: number, hooks: BodyHooks = {}) {
    this.#chunked = length === CHUNKED;
    this.#remaining = this.#chunked ? 0 : length;
    this.#finished = length === 0;
    this.#hooks = hooks;
  }

  /** Whether the whole body has been read, so the reader holds the next request. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Why the body could not be read, once it failed. */
  get failed(): Error | undefined {
    return this.#failed;
  }

  /** The next piece of the body (a copy), or null at its end. Throws {@link BodyError}. */
  async next(): Promise<Uint8Array<ArrayBuffer> | null> {
    try {
      while (!this.#finished) {
        if (!this.#chunked || !this.#sizeLine) {
          if (this.#remaining > 0) {
            if (this.reader.length === 0) await this.#more();
            const piece = this.reader.take(Math.min(this.reader.length, this.#remaining));
            this.#remaining -= piece.length;
            if (this.#remaining === 0) {
              if (this.#chunked) this.#sizeLine = true;
              else this.#finished = true;
            }
            if (this.#chunked && this.#remaining === 0) await this.#chunkEnd();
            return piece;
          }
          if (!this.#chunked) this.#finished = true;
          continue;
        }
        const size = await this.#readSizeLine();
        if (size === 0) {
          await this.#readTrailers();
          this.#finished = true;
        } else {
          this.#remaining = size;
          this.#sizeLine = false;
        }
      }
      this.#hooks.onEnd?.();
      this.#hooks.onEnd = undefined;
      return null;
    } catch (error) {
      this.#failed = error instanceof Error ? error : new BodyError(String(error));
      this.#hooks.onEnd?.(this.#failed);
      this.#hooks.onEnd = undefined;
      throw this.#failed;
    }
  }

  /** The whole body in one array, when it is at most `limit` bytes (else a BodyError). */
  async readAll(limit: number): Promise<Uint8Array<ArrayBuffer>> {
    const pieces: Uint8Array<ArrayBuffer>[] = [];
    let total = 0;
    for (let piece = await this.next(); piece; piece = await this.next()) {
      total += piece.length;
      if (total > limit) throw new BodyError(`the body is over ${limit} bytes`);
      pieces.push(piece);
    }
    return concatBytes(pieces) as Uint8Array<ArrayBuffer>;
  }

  /** The body as a stream for a `Request`; cancelling it leaves the rest unread. */
  stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    return new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        try {
          const piece = await this.next();
          if (piece) controller.enqueue(piece);
          else controller.close();
        } catch (error) {
          controller.error(error);
        }
      },
    }, { highWaterMark: 0 });
  }

  async #more(): Promise<void> {
    if (!this.#continued) {
      this.#continued = true;
      await this.#hooks.beforeFirstRead?.();
    }
    this.#hooks.waiting?.(true);
    let more: boolean;
    try {
      more = await this.reader.fill();
    } finally {
      this.#hooks.waiting?.(false);
    }
    if (!more) throw new BodyError("the client closed the connection before its body ended");
  }

  /** A chunk's data is followed by CRLF. */
  async #chunkEnd(): Promise<void> {
    while (this.reader.length < 2) await this.#more();
    if (this.reader.byteAt(0) !== 13 || this.reader.byteAt(1) !== 10) {
      throw new BodyError("a chunk is not followed by CRLF");
    }
    this.reader.skip(2);
  }

  async #readLine(limit: number, what: string): Promise<string> {
    for (;;) {
      const end = this.reader.lineEnd();
      if (end >= 0) {
        const line = decoder.decode(this.reader.view(end));
        this.reader.skip(end + 2);
        return line;
      }
      if (this.reader.length > limit) throw new BodyError(`${what} is over ${limit} bytes`);
      await this.#more();
    }
  }

  async #readSizeLine(): Promise<number> {
    const line = await this.#readLine(MAX_SIZE_LINE, "a chunk-size line");
    const size = CHUNK_SIZE.exec(line);
    if (!size) {
      throw new BodyError(
        `a chunk size is not hexadecimal: "${quote(line, 40)}"`,
      );
    }
    return parseInt(size[1]!, 16);
  }

  async #readTrailers(): Promise<void> {
    let total = 0;
    for (;;) {
      const line = await this.#readLine(MAX_TRAILERS - total, "the trailer section");
      total += line.length + 2;
      if (line === "") return;
      if (total > MAX_TRAILERS) throw new BodyError(`the trailer section is over ${MAX_TRAILERS}`);
      if (!FIELD_LINE.test(line)) {
        throw new BodyError("a trailer line is not a header field");
      }
    }
  }
}
