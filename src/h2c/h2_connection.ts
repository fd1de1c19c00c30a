import { StreamTable } from "../protocol/wire.ts";
import { ClientFrames } from "./client_frames.ts";
import {
  ConnectionError,
  DEFAULT_FRAME_SIZE,
  DEFAULT_WINDOW,
  END_HEADERS,
  END_STREAM,
  ErrorCode,
  Frame,
  MAX_WINDOW,
  type PeerSettings,
  PREFACE,
  Setting,
} from "./frames.ts";
import { GrpcCallError, GrpcStatus, statusOfReset } from "./grpc_status.ts";
import { CompressionError, HpackDecoder } from "./hpack.ts";
import { expiry, newCall, timeoutField, type UnaryCall } from "./unary_call.ts";
import { UnaryResponse } from "./unary_response.ts";

/** Each stream may receive this much before the client grants more; the connection, more. */
const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;
const MAX_HEADER_LIST = 64 * 1024;
const MAX_STREAM_ID = 0x7fffffff;
/** Times one call is sent again after a server refused its stream unprocessed. */
const MAX_REFUSALS = 3;
/** How often deadlines and callers' signals are looked at (one timer for every call). */
const SWEEP_MS = 10;

/**
 * One HTTP/2 connection (cleartext, prior knowledge) carrying unary gRPC calls: a HEADERS and
 * a DATA frame out per call, usually in one write with other calls of the same task; answers
 * read into one reused buffer. It honours the server's settings (concurrent streams, window,
 * frame size), both directions' flow control, PING, GOAWAY and RST_STREAM, and fails every
 * call under way, naming the cause, when the connection ends.
 */
export class H2Connection extends ClientFrames {
  #goingAway = false;
  readonly #decoder = new HpackDecoder();
  readonly #calls = new StreamTable<UnaryCall>();
  readonly #waiting: UnaryCall[] = [];
  #nextId = 1;
  #peerMaxStreams = Infinity;
  /** Whether the server's first SETTINGS came: streams wait for it, to respect its limits. */
  #settled = false;
  #peerWindow = DEFAULT_WINDOW;
  #peerMaxFrame = DEFAULT_FRAME_SIZE;
  #sendWindow = DEFAULT_WINDOW;
  #unacknowledged = 0;
  #sweep?: ReturnType<typeof setInterval>;
  /** Why the connection ended, for calls made after. */
  #cause = "";

  constructor(conn: Deno.Conn, readonly maxMessageBytes: number) {
    super(conn);
    const writer = this.writer;
    writer.out.append(PREFACE);
    writer.settings([
      [Setting.ENABLE_PUSH, 0],
      [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
      [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST],
    ]);
    writer.words(Frame.WINDOW_UPDATE, 0, 0, CONNECTION_WINDOW - DEFAULT_WINDOW);
    this.schedule();
  }

  /** Whether a new call may start here (not closed, not told to go away, ids left). */
  get usable(): boolean {
    return !this.closed && !this.#goingAway && this.#nextId < MAX_STREAM_ID;
  }

  /**
   * Sends one call: `block` is the request's header block without `grpc-timeout`, `message`
   * its protobuf bytes (copied before this returns). Resolves with the answer's bytes.
   */
  call(
    block: Uint8Array,
    message: Uint8Array,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    if (signal?.aborted) {
      return Promise.reject(new GrpcCallError(GrpcStatus.CANCELLED, "the caller went away"));
    }
    if (!this.usable) return Promise.reject(this.#unsent());
    const { promise, call } = newCall(block, message, this.maxMessageBytes, deadlineMs, signal);
    this.#sweep ??= setInterval(this.#check, SWEEP_MS);
    if (this.#settled && this.#calls.size < this.#peerMaxStreams) this.#open(call);
    else this.#waiting.push(call);
    return promise;
  }

  /** Ends the connection; calls under way fail with `reason`. */
  close(reason = "the connection was closed"): void {
    this.end(reason);
  }

  protected override onEnd(reason: string): void {
    this.#cause = reason;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    const error = new GrpcCallError(GrpcStatus.UNAVAILABLE, reason);
    for (const [, call] of this.#calls.entries()) call.reject(error);
    this.#calls.clear();
    // Calls never sent may go on another connection.
    for (const call of this.#waiting.splice(0)) call.reject(this.#unsent());
  }

  #open(call: UnaryCall): void {
    const block = call.block;
    call.id = this.#nextId;
    this.#nextId += 2;
    if (this.#nextId >= MAX_STREAM_ID) {
      // The last id: this connection ends once its calls have; the client opens another.
      this.#goingAway = true;
      this.#cause = "the connection used up its stream ids";
    }
    call.sendWindow = this.#peerWindow;
    this.#calls.set(call.id, call);
    const timeout = timeoutField(call.deadline - performance.now());
    const at = this.writer.frame(
      Frame.HEADERS,
      END_HEADERS,
      call.id,
      block.length + timeout.length,
    );
    this.writer.out.buffer.set(block, at);
    this.writer.out.buffer.set(timeout, at + block.length);
    this.#pump(call);
    this.schedule();
  }

  /** Sends what flow control allows of `call`'s request; true once all of it went. */
  #pump(call: UnaryCall): boolean {
    const request = call.request;
    while (call.sent < request.length) {
      const size = Math.min(
        request.length - call.sent,
        call.sendWindow,
        this.#sendWindow,
        this.#peerMaxFrame,
      );
      if (size <= 0) return false;
      const last = call.sent + size === request.length;
      this.writer.bytes(
        Frame.DATA,
        last ? END_STREAM : 0,
        call.id,
        request.subarray(call.sent, call.sent + size),
      );
      call.sent += size;
      call.sendWindow -= size;
      this.#sendWindow -= size;
    }
    return true;
  }

  /** Sends what the windows now allow of every call still holding bytes. */
  #pumpAll(): void {
    for (const [, call] of this.#calls.entries()) {
      if (!this.#pump(call) && this.#sendWindow <= 0) break;
    }
    this.schedule();
  }

  protected override opened(id: number): boolean {
    return id % 2 === 1 && id < this.#nextId;
  }

  protected override onReset(id: number, code: number): void {
    if (code === ErrorCode.REFUSED_STREAM) return this.#refused(id);
    // A server that enforces the call's grpc-timeout resets it as the deadline passes.
    const late = performance.now() >= (this.#calls.get(id)?.deadline ?? Infinity);
    if (late) return this.#fail(id, GrpcStatus.DEADLINE_EXCEEDED, "the deadline passed", false);
    this.#fail(id, statusOfReset(code), `the plugin reset the call (error ${code})`, false);
  }

  protected override onData(id: number, data: Uint8Array, size: number, end: boolean): void {
    this.#unacknowledged += size;
    if (this.#unacknowledged >= CONNECTION_WINDOW / 2) {
      this.writer.words(Frame.WINDOW_UPDATE, 0, 0, this.#unacknowledged);
      this.#unacknowledged = 0;
      this.schedule();
    }
    const call = this.#calls.get(id);
    if (!call) return;
    const failure = call.response.data(data);
    if (failure) return this.#abandon(call, failure);
    if (end) return this.#finish(call);
    call.unacknowledged += size;
    if (call.unacknowledged >= STREAM_WINDOW / 2) {
      this.writer.words(Frame.WINDOW_UPDATE, 0, id, call.unacknowledged);
      call.unacknowledged = 0;
      this.schedule();
    }
  }

  protected override onHeaders(id: number, block: Uint8Array, endStream: boolean): void {
    const call = this.#calls.get(id);
    let truncated = false;
    try {
      // Decoded even for a call given up on: the table must follow every block.
      truncated =
        this.#decoder.decode(block, call ? call.response.field : () => {}, MAX_HEADER_LIST)
          .truncated;
    } catch (error) {
      if (!(error instanceof CompressionError)) throw error;
      throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, error.message);
    }
    if (!call) return;
    const failure = truncated
      ? new GrpcCallError(GrpcStatus.INTERNAL, "the plugin's headers are above 64 KiB")
      : call.response.headersEnd(endStream);
    if (failure) return this.#abandon(call, failure);
    if (endStream) this.#finish(call);
  }

  protected override onSettings({ maxStreams, window, maxFrame }: PeerSettings): void {
    if (maxStreams !== undefined) this.#peerMaxStreams = maxStreams;
    if (maxFrame !== undefined) this.#peerMaxFrame = maxFrame;
    if (window !== undefined) {
      const change = window - this.#peerWindow;
      this.#peerWindow = window;
      for (const [, call] of this.#calls.entries()) call.sendWindow += change;
    }
    this.#settled = true;
    this.#pumpAll();
    this.#startWaiting();
  }

  protected override onGoAway(lastId: number, code: number): void {
    this.#goingAway = true;
    this.#cause = `the plugin closed the connection (GOAWAY, HTTP/2 error ${code})`;
    for (const [id, call] of this.#calls.entries()) {
      if (id <= lastId) continue;
      this.#calls.delete(id);
      call.reject(this.#unsent());
    }
    this.#released();
  }

  protected override onWindowUpdate(id: number, increment: number): void {
    if (increment === 0) {
      if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a zero WINDOW_UPDATE");
      return this.#fail(id, GrpcStatus.INTERNAL, "the plugin sent a zero WINDOW_UPDATE", true);
    }
    if (id === 0) {
      this.#sendWindow += increment;
      if (this.#sendWindow > MAX_WINDOW) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "the window passed 2^31-1");
      }
      return this.#pumpAll();
    }
    const call = this.#calls.get(id);
    if (!call) return;
    call.sendWindow += increment;
    if (call.sendWindow > MAX_WINDOW) {
      return this.#fail(id, GrpcStatus.INTERNAL, "the stream's window passed 2^31-1", true);
    }
    this.#pump(call);
    this.schedule();
  }

  /**
   * The server refused a stream before processing it (RFC 9113, 8.7): its call goes again, first
   * in line, unless refused too often.
   */
  #refused(id: number): void {
    const call = this.#calls.get(id);
    if (!call) return;
    if (++call.refusals > MAX_REFUSALS) {
      return this.#fail(id, GrpcStatus.UNAVAILABLE, "the plugin refused the call's stream", false);
    }
    // Back in line; on a connection that can take no more, #released hands it back unsent.
    this.#calls.delete(id);
    call.response = new UnaryResponse(this.maxMessageBytes);
    call.sent = 0;
    call.unacknowledged = 0;
    this.#waiting.unshift(call);
    this.#released();
  }

  #finish(call: UnaryCall): void {
    this.#calls.delete(call.id);
    const outcome = call.response.finish();
    if (outcome instanceof GrpcCallError) call.reject(outcome);
    else call.resolve(outcome);
    this.#released();
  }

  /** Gives up on `call`, telling the plugin (RST_STREAM CANCEL) when the stream is open. */
  #abandon(call: UnaryCall, error: GrpcCallError): void {
    this.#calls.delete(call.id);
    this.writer.words(Frame.RST_STREAM, 0, call.id, ErrorCode.CANCEL);
    this.schedule();
    call.reject(error);
    this.#released();
  }

  #fail(id: number, status: number, details: string, reset: boolean): void {
    const call = this.#calls.get(id);
    if (!call) return;
    if (reset) return this.#abandon(call, new GrpcCallError(status, details));
    this.#calls.delete(id);
    call.reject(new GrpcCallError(status, details));
    this.#released();
  }

  /** A stream ended: a waiting call may start, and a connection going away may end. */
  #released(): void {
    this.#startWaiting();
    if (this.#calls.size > 0 || this.#waiting.length > 0) return;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    if (this.#goingAway) this.end(this.#cause);
  }

  #startWaiting(): void {
    // A connection that cannot take them hands them back, to go on another.
    if (!this.usable) { for (const call of this.#waiting.splice(0)) call.reject(this.#unsent()); }
    while (this.#waiting.length > 0 && this.#calls.size < this.#peerMaxStreams && this.usable) {
      this.#open(this.#waiting.shift()!);
    }
  }

  #unsent(): GrpcCallError {
    return new GrpcCallError(
      GrpcStatus.UNAVAILABLE,
      this.#cause || "the connection is closing",
      true,
    );
  }

  /** One timer for every call: deadlines passed and callers gone. */
  #check = (): void => {
    const now = performance.now();
    for (const [, call] of this.#calls.entries()) {
      const error = expiry(call, now);
      if (error) this.#abandon(call, error);
    }
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const error = expiry(this.#waiting[i]!, now);
      if (error) this.#waiting.splice(i, 1)[0]!.reject(error);
    }
    this.#released();
  };
}
