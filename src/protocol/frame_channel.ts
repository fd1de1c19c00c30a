import { concatBytes } from "./bytes.ts";
import {
  encodeFrame,
  END,
  type Frame,
  FrameParser,
  type FrameTypeValue,
  INITIAL_WINDOW,
  MAX_DATA,
  readWindow,
} from "./data_frames.ts";

/**
 * One data-channel connection: frames out, coalesced into as few writes as the traffic allows
 * (frames queued while a write is under way go out together), and frames in, dispatched.
 */
export class FrameChannel {
  #queue: Uint8Array[] = [];
  #writing = false;
  #closed = false;
  readonly closed: Promise<Error | undefined>;

  constructor(readonly conn: Deno.Conn, onFrame: (frame: Frame) => void) {
    this.closed = this.#read(onFrame);
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  send(stream: number, type: FrameTypeValue, flags: number, payload: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(encodeFrame(stream, type, flags, payload));
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => this.#flush());
    }
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

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const frames = this.#queue;
        this.#queue = [];
        const bytes = concatBytes(frames);
        let written = 0;
        while (written < bytes.byteLength) {
          written += await this.conn.write(bytes.subarray(written));
        }
      }
    } catch {
      this.close();
    } finally {
      this.#writing = false;
    }
  }

  async #read(onFrame: (frame: Frame) => void): Promise<Error | undefined> {
    const parser = new FrameParser();
    let failure: Error | undefined;
    try {
      for await (const chunk of this.conn.readable) parser.push(chunk, onFrame);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // the readable's end may have closed it already
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
