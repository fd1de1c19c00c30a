import {
  ConnectionError,
  DEFAULT_FRAME_SIZE,
  ErrorCode,
  Frame,
  FRAME_HEADER,
  FrameWriter,
} from "./frames.ts";

const READ_BUFFER = 64 * 1024;

/**
 * The socket under an HTTP/2 connection. Frames out go into {@link writer}; those written by
 * one task leave in one write, and while a write is under way the next batch gathers. Frames
 * in are read into one reused buffer and handed to {@link onFrame} as views valid during the
 * call. A {@link ConnectionError} thrown there ends the connection with GOAWAY.
 */
export abstract class FrameSocket {
  protected readonly writer = new FrameWriter();
  #writing = false;
  #scheduled = false;
  #closed = false;

  constructor(readonly conn: Deno.Conn) {
    // It never rejects: whatever ends it ends the connection (see end()).
    void this.#read();
  }

  protected get closed(): boolean {
    return this.#closed;
  }

  /** One frame from the server (`payload` is valid during the call only). */
  protected abstract onFrame(type: number, flags: number, id: number, payload: Uint8Array): void;

  /** The connection ended: fail what is under way with `reason`. */
  protected abstract onEnd(reason: string): void;

  /** Sends what was written, soon (after the current task). */
  protected schedule(): void {
    if (this.#writing || this.#scheduled || this.writer.out.length === 0) return;
    this.#scheduled = true;
    queueMicrotask(this.#flush);
  }

  /** Everything written so far left (replies queued meanwhile can be counted from here). */
  protected onFlushed(): void {}

  /**
   * Ends the connection: what was written (a GOAWAY) is sent first, unless a write is still
   * under way, which may never finish (a server that reads nothing): then the socket closes now.
   * (Deno 2.9 lets such a write hold the socket until the server reads or goes; the host kills
   * a plugin that stops answering, which ends it.)
   */
  protected end(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onEnd(reason);
    if (!this.#writing && this.writer.out.length > 0) this.schedule();
    else this.#closeSocket();
  }

  #flush = async (): Promise<void> => {
    this.#scheduled = false;
    if (this.#writing) return;
    this.#writing = true;
    try {
      await this.writer.drainTo(this.conn);
      this.onFlushed();
    } catch (error) {
      this.writer.out.length = 0;
      this.end(`writing to the plugin failed: ${(error as Error).message}`);
    } finally {
      this.#writing = false;
      if (this.#closed) this.#closeSocket();
    }
  };

  async #read(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER);
    let start = 0;
    let end = 0;
    try {
      for (;;) {
        // Room for a whole frame of the largest size this client accepts.
        if (buffer.length - start < FRAME_HEADER + DEFAULT_FRAME_SIZE) {
          buffer.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        const count = await this.conn.read(buffer.subarray(end));
        if (count === null) return this.end("the plugin closed the connection");
        end += count;
        while (end - start >= FRAME_HEADER) {
          const length = (buffer[start]! << 16) | (buffer[start + 1]! << 8) | buffer[start + 2]!;
          if (length > DEFAULT_FRAME_SIZE) {
            throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes`);
          }
          if (end - start - FRAME_HEADER < length) break;
          const id = ((buffer[start + 5]! & 0x7f) << 24) | (buffer[start + 6]! << 16) |
            (buffer[start + 7]! << 8) | buffer[start + 8]!;
          const payload = buffer.subarray(start + FRAME_HEADER, start + FRAME_HEADER + length);
          this.onFrame(buffer[start + 3]!, buffer[start + 4]!, id, payload);
          start += FRAME_HEADER + length;
        }
        if (start === end) start = end = 0;
        if (this.#closed) return;
      }
    } catch (error) {
      if (error instanceof ConnectionError) {
        this.writer.words(Frame.GOAWAY, 0, 0, 0, error.code);
        this.end(`the plugin broke HTTP/2 (${error.message})`);
      } else {
        this.end(`reading from the plugin failed: ${(error as Error).message}`);
      }
    }
  }

  #closeSocket(): void {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
  }
}
