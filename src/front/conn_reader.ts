/** Where a reader takes its bytes from: a connection (or a test's script of reads). */
export interface ByteSource {
  read(into: Uint8Array): Promise<number | null>;
}

const CR = 13;
const LF = 10;
const INITIAL_BUFFER = 16 * 1024;

/**
 * A connection's bytes, buffered: request heads are found in the buffer, bodies taken from it.
 * One read is under way at a time, so a read started to notice a client leaving is the same
 * read that brings its next request.
 */
export class ConnReader {
  #buffer: Uint8Array;
  #start = 0;
  #end = 0;
  /** Where the search for a head's end resumes (bytes before it hold no `CRLFCRLF`). */
  #scanned = 0;
  #filling?: Promise<boolean>;
  #ended = false;

  /** `maxBuffer` bounds what a client can make this reader hold (a head, a chunk-size line). */
  constructor(readonly source: ByteSource, readonly maxBuffer: number) {
    this.#buffer = new Uint8Array(Math.min(INITIAL_BUFFER, maxBuffer));
  }

  /** Bytes buffered and not yet taken. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Whether the source has ended (no more bytes beyond those buffered). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether a read is under way. */
  get filling(): boolean {
    return this.#filling !== undefined;
  }

  /** The buffered bytes, valid until the next fill or take. */
  view(length = this.length): Uint8Array {
    return this.#buffer.subarray(this.#start, this.#start + length);
  }

  byteAt(offset: number): number {
    return this.#buffer[this.#start + offset]!;
  }

  /** Drops the empty lines a client may send before a request line (RFC 9112 §2.2). */
  skipEmptyLines(): void {
    while (this.length >= 2 && this.byteAt(0) === CR && this.byteAt(1) === LF) this.skip(2);
  }

  /** The length of the buffered head up to and including its blank line, or -1 if incomplete. */
  headEnd(): number {
    const buffer = this.#buffer;
    let at = Math.max(this.#start + 3, this.#scanned);
    for (;;) {
      at = buffer.indexOf(LF, at);
      if (at < 0 || at >= this.#end) {
        this.#scanned = Math.max(this.#start, this.#end - 3);
        return -1;
      }
      if (buffer[at - 1] === CR && buffer[at - 2] === LF && buffer[at - 3] === CR) {
        return at + 1 - this.#start;
      }
      at++;
    }
  }

  /** Index of the first CRLF in the buffered bytes, or -1. */
  lineEnd(): number {
    const buffer = this.#buffer;
    let at = this.#start;
    for (;;) {
      at = buffer.indexOf(LF, at);
      if (at < 0 || at >= this.#end) return -1;
      if (at > this.#start && buffer[at - 1] === CR) return at - 1 - this.#start;
      at++;
    }
  }

  /** Removes `length` buffered bytes and returns them as a copy of their own. */
  take(length: number): Uint8Array<ArrayBuffer> {
    const bytes = this.#buffer.slice(this.#start, this.#start + length);
    this.skip(length);
    return bytes;
  }

  skip(length: number): void {
    this.#start += length;
    // Emptied, the buffer starts over, unless a read under way is filling it where it ends.
    if (this.#start === this.#end && !this.#filling) this.#start = this.#end = this.#scanned = 0;
  }

  /** Reads more bytes into the buffer; false once the source has ended. */
  fill(): Promise<boolean> {
    return this.#filling ??= this.#read().finally(() => this.#filling = undefined);
  }

  async #read(): Promise<boolean> {
    if (this.#ended) return false;
    if (this.#end === this.#buffer.length) this.#makeRoom();
    const n = await this.source.read(this.#buffer.subarray(this.#end));
    if (n === null) {
      this.#ended = true;
      return false;
    }
    this.#end += n;
    return true;
  }

  #makeRoom(): void {
    const length = this.length;
    if (length >= this.maxBuffer) {
      throw new RangeError(`a reader holds at most ${this.maxBuffer} bytes`);
    }
    if (this.#start > this.#buffer.length / 2 || length + 4096 <= this.#start) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
    } else {
      const grown = new Uint8Array(Math.min(this.maxBuffer, this.#buffer.length * 2));
      grown.set(this.view());
      this.#buffer = grown;
    }
    this.#scanned = Math.max(0, this.#scanned - this.#start);
    this.#start = 0;
    this.#end = length;
  }
}

/** Bytes as Latin-1 text: each byte one character, as header values are kept (ByteString). */
export function latin1(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return asciiDecoder.decode(bytes);
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

const asciiDecoder = new TextDecoder();
