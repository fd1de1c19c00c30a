import {
  END,
  FRAME_HEADER,
  type FrameHandler,
  FrameParser,
  type FrameTypeValue,
  INITIAL_WINDOW,
  MAX_DATA,
  readWindow,
} from "./data_frames.ts";
import type { WireWriter } from "./wire_bytes.ts";
import { WriteBuffers } from "./write_buffers.ts";

/**
 * One data-channel connection. Frames out are written into a buffer: those sent by one task
 * go out in one write, and while a write is under way the next batch gathers. Frames in are
 * read into one reused buffer and dispatched as views of it.
 */
export class FrameChannel {
  readonly #buffers = new WriteBuffers();
  #writing = false;
  #scheduled = false;
  #closed = false;
  readonly closed: Promise<Error | undefined>;

  constructor(readonly conn: Deno.Conn, onFrame: FrameHandler) {
    this.closed = this.#read(onFrame);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Queues one frame with `payload` (copied). */
  send(stream: number, type: FrameTypeValue, flags: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const start = this.#header(stream, type, flags);
    this.#buffers.out.append(payload);
    this.#sealed(start);
  }

  /**
   * Queues one frame whose payload `write` puts straight into the outgoing buffer. When
   * `write` throws, nothing is queued and the error goes to the caller.
   */
  sendWith(
    stream: number,
    type: FrameTypeValue,
    flags: number,
    write: (out: WireWriter) => void,
  ): void {
    if (this.#closed) return;
    const start = this.#header(stream, type, flags);
    try {
      write(this.#buffers.out);
    } catch (error) {
      this.#buffers.out.length = start;
      throw error;
    }
    this.#sealed(start);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  #header(stream: number, type: FrameTypeValue, flags: number): number {
    const out = this.#buffers.out;
    const start = out.length;
    out.reserve(FRAME_HEADER);
    out.uint32At(start + 4, stream);
    out.buffer[start + 8] = type;
    out.buffer[start + 9] = flags;
    out.buffer[start + 10] = 0;
    out.buffer[start + 11] = 0;
    out.length += FRAME_HEADER;
    return start;
  }

  #sealed(start: number): void {
    this.#buffers.out.uint32At(start, this.#buffers.out.length - start - FRAME_HEADER);
    if (this.#writing || this.#scheduled) return;
    this.#scheduled = true;
    // Frames sent by the same task go together. (Waiting for the end of the event loop's turn
    // with setImmediate gathers 3-5 requests per write instead of one, but the plugin then
    // starts later: measured, it lowers throughput and adds latency.)
    queueMicrotask(this.#flush);
  }

  #flush = async (): Promise<void> => {
    this.#scheduled = false;
    if (this.#writing) return;
    this.#writing = true;
    try {
      await this.#buffers.drainTo(this.conn, () => !this.#closed);
    } catch {
      this.close();
    } finally {
      this.#writing = false;
    }
  };

  async #read(onFrame: FrameHandler): Promise<Error | undefined> {
    const parser = new FrameParser();
    let failure: Error | undefined;
    try {
      while (true) {
        const count = await this.conn.read(parser.space());
        if (count === null) break;
        parser.commit(count, onFrame);
      }
    } catch (error) {
      // A read cut short by our own close() is no failure.
      if (!this.#closed) failure = error instanceof Error ? error : new Error(String(error));
    }
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // closed already
    }
    return failure;
  }
}

/**
 * The receiving half of a body on a stream: a `ReadableStream` fed by DATA frames. It grants
 * the sender more credit as its reader consumes, so an unread body never buffers more than
 * {@link INITIAL_WINDOW} bytes.
 */
export class IncomingBody {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #consumed = 0;
  #done = false;

  constructor(
    readonly grant: (increment: number) => void,
    /** Called when the reader gives up on the body (the client went away). */
    readonly onCancel: (reason: unknown) => void = () => {},
  ) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#credit(),
      cancel: (reason) => {
        if (this.#done) return;
        this.#done = true;
        this.onCancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  /** Whether the body ended, failed or was given up. */
  get done(): boolean {
    return this.#done;
  }

  /** A DATA frame arrived. */
  push(payload: Uint8Array, flags: number): void {
    if (this.#done) return;
    if (payload.byteLength > 0) {
      this.#controller.enqueue(payload.slice());
      this.#consumed += payload.byteLength;
    }
    if (flags & END) {
      this.#done = true;
      this.#controller.close();
    }
  }

  /** The stream broke (CANCEL, connection lost). */
  fail(reason: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller.error(reason);
  }

  #credit(): void {
    if (this.#consumed >= INITIAL_WINDOW / 2) {
      this.grant(this.#consumed);
      this.#consumed = 0;
    }
  }
}

/**
 * The sending half of a body: writes a `ReadableStream` as DATA frames no faster than the
 * receiver's credit allows, then END. Resolves when all was sent; rejects when cancelled.
 */
export class OutgoingBody {
  #credit = INITIAL_WINDOW;
  #wake?: () => void;
  #cancelled?: Error;

  constructor(readonly send: (payload: Uint8Array, flags: number) => void) {}

  /** A WINDOW frame arrived. */
  granted(payload: Uint8Array): void {
    this.#credit += readWindow(payload);
    this.#wake?.();
  }

  cancel(reason: Error): void {
    this.#cancelled = reason;
    this.#wake?.();
  }

  async pump(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (!body) return this.send(new Uint8Array(0), END);
    await this.pumpReader(body.getReader(), []);
  }

  /**
   * Like {@link pump}, from a reader some of whose reads were already started: `started` are
   * taken first, in order, then the reader is read to its end.
   */
  async pumpReader(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    started: Promise<ReadableStreamReadResult<Uint8Array>>[],
  ): Promise<void> {
    try {
      while (true) {
        const { value, done } = await (started.shift() ?? reader.read());
        if (this.#cancelled) throw this.#cancelled;
        if (done) break;
        if (!(value instanceof Uint8Array)) {
          throw new TypeError("a body chunk must be a Uint8Array");
        }
        for (let offset = 0; offset < value.byteLength;) {
          while (this.#credit <= 0) {
            await new Promise<void>((resolve) => this.#wake = resolve);
            if (this.#cancelled) throw this.#cancelled;
          }
          const size = Math.min(MAX_DATA, this.#credit, value.byteLength - offset);
          this.send(value.subarray(offset, offset + size), 0);
          this.#credit -= size;
          offset += size;
        }
      }
      this.send(new Uint8Array(0), END);
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
    }
  }
}
