import { PluginCallError } from "../plugin/mod.ts";
import {
  CallStatus,
  ChannelSocket,
  type ChannelSocketEvents,
  type domain,
  END,
  FrameChannel,
  FrameType,
  type FrameTypeValue,
  IncomingBody,
  openPayload,
  OutgoingBody,
  readResponseHead,
  type StreamedResponse,
  StreamTable,
  windowPayload,
  writeRequestHead,
} from "../protocol/mod.ts";
import { callError, type ChannelCall, ChannelCalls } from "./channel_calls.ts";

interface ClientStream {
  answered: boolean;
  finished: boolean;
  /** `performance.now()` after which an unanswered request is given up. */
  deadline: number;
  deadlineMs: number;
  resolve(response: StreamedResponse): void;
  reject(error: Error): void;
  /**
   * The client's request, whose `signal` says it went away. It is the host's one watch on the
   * client for this request: read by the sweep with the deadlines, and only once the answer
   * has taken a sweep (reading a `Deno.serve` request's signal costs more than forwarding a
   * small request), with no listener to add and remove (measured 2026-12-01: a listener per
   * request cost ~15 % of proxied throughput, `deno task bench --only=http`).
   */
  caller?: { readonly signal: AbortSignal };
  /** `performance.now()` when it was sent. */
  sent: number;
  onDone: () => void;
  incoming?: IncomingBody;
  outgoing?: OutgoingBody;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** How often deadlines and callers are checked: one timer for all requests, not one each. */
const SWEEP_MS = 10;
const STREAM_IDS = 2 ** 32;

/**
 * The host's side of one plugin process's data channel: one Unix-socket connection carrying
 * every HTTP request to it, and every WebSocket session when the plugin can, as streams of
 * frames (see src/protocol/data_frames.ts).
 */
export class DataClient {
  #next = 1;
  readonly #streams = new StreamTable<ClientStream>();
  /** WebSocket sessions, in the same id space as the requests. */
  readonly #sockets = new StreamTable<ChannelSocket>();
  /** Unary calls (jobs), in the same id space. */
  readonly #calls: ChannelCalls;
  readonly #copies = new BodyCopies();
  #sweeper?: ReturnType<typeof setInterval>;

  private constructor(readonly plugin: string, readonly channel: FrameChannel) {
    this.#calls = new ChannelCalls(plugin, channel);
    channel.closed.then((error) => {
      const reason = this.#closedError(error);
      for (const [id, stream] of this.#streams.entries()) this.#fail(id, stream, reason);
      this.#streams.clear();
      for (const [, socket] of this.#sockets.entries()) socket.fail(reason);
      this.#calls.failAll(reason);
      this.#stopSweeping();
    });
  }

  static async connect(plugin: string, path: string): Promise<DataClient> {
    const conn = await Deno.connect({ transport: "unix", path });
    const route: { to?: DataClient } = {};
    const client = new DataClient(
      plugin,
      new FrameChannel(conn, (id, type, flags, payload) => {
        route.to!.#frame(id, type, flags, payload);
      }),
    );
    route.to = client;
    return client;
  }

  get closed(): boolean {
    return this.channel.isClosed;
  }

  close(): void {
    this.channel.close();
    this.#stopSweeping();
  }

  /** Ends every WebSocket session at once (a stop), leaving the channel to its calls. */
  endSessions(): void {
    const reason = new PluginCallError("unreachable", `plugin "${this.plugin}" is stopping`);
    for (const [, socket] of this.#sockets.entries()) socket.fail(reason);
  }

  /**
   * Sends one request; resolves with the response head once the plugin answers (the body
   * streams after). `deadlineMs` bounds the wait for the head, counted from the last progress
   * (the plugin taking more of the request body); `caller` going away (its `signal`) cancels
   * the request in the plugin until it is answered, within 2 × {@link SWEEP_MS}. `onDone` runs
   * when the exchange is over.
   */
  request(
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    caller: { readonly signal: AbortSignal } | undefined,
    onDone: () => void,
  ): Promise<StreamedResponse> {
    if (this.channel.isClosed) {
      onDone();
      return Promise.reject(
        this.#closedError(),
      );
    }
    const id = this.#nextId();
    const { promise, resolve, reject } = Promise.withResolvers<StreamedResponse>();
    const sent = performance.now();
    const stream: ClientStream = {
      answered: false,
      finished: false,
      deadline: sent + deadlineMs,
      deadlineMs,
      resolve,
      reject,
      onDone,
      caller,
      sent,
    };
    this.#streams.set(id, stream);
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS);
    try {
      this.channel.sendWith(id, FrameType.REQUEST, body ? 0 : END, (out) => {
        writeRequestHead(out, head);
      });
    } catch (error) {
      const reason = `the request head cannot be sent: ${(error as Error).message}`;
      this.#fail(id, stream, new PluginCallError("invalid", reason));
      return promise;
    }
    if (body) {
      stream.outgoing = new OutgoingBody((payload, flags) =>
        this.channel.send(id, FrameType.DATA, flags, payload)
      );
      stream.outgoing.pump(body).catch((error) => {
        if (!stream.finished) {
          this.#cancel(id, stream, `the request body failed: ${(error as Error).message}`);
        }
      });
    }
    return promise;
  }

  /**
   * Opens a WebSocket session (WS_OPEN with the CONNECT headers); `events` hears the plugin.
   * Messages from the plugin over `maxMessageBytes` close it with 1009.
   */
  openWebSocket(
    connect: Record<string, string>,
    events: ChannelSocketEvents,
    maxMessageBytes: number,
  ): ChannelSocket {
    if (this.channel.isClosed) {
      throw this.#closedError();
    }
    const id = this.#nextId();
    const socket = new ChannelSocket(this.channel, id, events, {
      maxMessageBytes,
      onEnd: () => this.#sockets.delete(id),
    });
    this.#sockets.set(id, socket);
    this.channel.send(id, FrameType.WS_OPEN, 0, openPayload(connect));
    return socket;
  }

  /**
   * Makes one unary call; resolves with the answer as its `decode` reads it. Failures are
   * {@link PluginCallError}s: `timeout` after its `deadlineMs`, `cancelled` when its `signal`
   * aborts (the plugin is told), `unreachable` when the channel goes.
   */
  call<T>(call: ChannelCall<T>): Promise<T> {
    if (this.channel.isClosed) return Promise.reject(this.#closedError());
    return this.#calls.start(this.#nextId(), call);
  }

  #nextId(): number {
    let id = this.#next;
    // Odd ids, wrapping within u32, skipping any still in use after a wrap.
    while (this.#streams.has(id) || this.#sockets.has(id) || this.#calls.has(id)) {
      id = (id + 2) % STREAM_IDS;
    }
    this.#next = (id + 2) % STREAM_IDS;
    return id;
  }

  #frame(id: number, type: FrameTypeValue, flags: number, payload: Uint8Array): void {
    const stream = this.#streams.get(id);
    if (!stream) {
      if (type === FrameType.REPLY || this.#calls.has(id)) {
        return this.#calls.receive(id, type, flags, payload);
      }
      return this.#sockets.get(id)?.receive(type, flags, payload);
    }
    switch (type) {
      case FrameType.RESPONSE: {
        if (stream.answered) return;
        const head = readResponseHead(payload);
        stream.answered = true;
        if (flags & END) {
          // The whole body came inside the head.
          stream.resolve({
            status: head.status,
            headers: head.headers,
            body: null,
            whole: this.#copies.copy(head.body),
          });
          this.#finish(id, stream);
          return;
        }
        stream.incoming = new IncomingBody(
          (increment) => this.channel.send(id, FrameType.WINDOW, 0, windowPayload(increment)),
          () => {
            this.#cancel(id, stream, "the client went away");
            this.#finish(id, stream);
          },
        );
        stream.resolve({
          status: head.status,
          headers: head.headers,
          body: stream.incoming.stream,
        });
        break;
      }
      case FrameType.DATA:
        stream.incoming?.push(payload, flags);
        if (flags & END) this.#finish(id, stream);
        break;
      case FrameType.WINDOW:
        stream.outgoing?.granted(payload);
        // The plugin is taking the body: the wait for its answer starts over.
        if (!stream.answered) stream.deadline = performance.now() + stream.deadlineMs;
        break;
      case FrameType.CANCEL:
        this.#fail(
          id,
          stream,
          new PluginCallError(
            "unreachable",
            `plugin "${this.plugin}" abandoned the request: ${decoder.decode(payload)}`,
          ),
        );
        break;
    }
  }

  #cancel(id: number, stream: ClientStream, reason: string): void {
    this.channel.send(id, FrameType.CANCEL, 0, encoder.encode(reason));
    stream.outgoing?.cancel(new Error(reason));
  }

  #fail(id: number, stream: ClientStream, error: Error): void {
    if (!stream.answered) {
      stream.answered = true;
      stream.reject(error);
    }
    stream.incoming?.fail(error);
    stream.outgoing?.cancel(error);
    this.#finish(id, stream);
  }

  /** Once per stream, whichever way it ends. */
  #finish(id: number, stream: ClientStream): void {
    if (stream.finished) return;
    stream.finished = true;
    this.#streams.delete(id);
    stream.onDone();
  }

  /**
   * Gives up the requests whose client went away or whose deadline passed; stops when none
   * waits for an answer. (Once answered, a client going away cancels the response body.)
   */
  #sweep(): void {
    const now = performance.now();
    let waiting = false;
    for (const [id, stream] of this.#streams.entries()) {
      if (stream.answered) continue;
      if (stream.caller && now - stream.sent >= SWEEP_MS && stream.caller.signal.aborted) {
        this.#cancel(id, stream, "the client went away");
        this.#fail(id, stream, this.#gone());
      } else if (now >= stream.deadline) {
        this.#cancel(id, stream, "deadline passed");
        this.#fail(
          id,
          stream,
          new PluginCallError("timeout", `plugin "${this.plugin}" did not answer in time`),
        );
      } else {
        waiting = true;
      }
    }
    if (!waiting) this.#stopSweeping();
  }

  /** Why a call cannot go through: the channel closed (the process exited, most often). */
  #closedError(error?: Error): PluginCallError {
    const detail = error ? `: ${error.message}` : "";
    return callError(
      "unreachable",
      CallStatus.UNAVAILABLE,
      `plugin "${this.plugin}" could not be reached: its data channel closed${detail}`,
    );
  }

  #gone(): PluginCallError {
    return new PluginCallError("cancelled", `the caller of plugin "${this.plugin}" went away`);
  }

  #stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}

/** Bodies larger than this get an allocation of their own. */
const SHARED_COPY_LIMIT = 8 * 1024;
const BLOCK = 64 * 1024;

/**
 * Copies of small whole bodies out of the frame buffer (which the next read reuses), cut from
 * shared blocks: a 1 KiB answer costs a copy, not an `ArrayBuffer` of its own, whose
 * allocation and collection cost several times more.
 */
class BodyCopies {
  #block = new Uint8Array(BLOCK);
  #used = 0;

  copy(bytes: Uint8Array): Uint8Array {
    if (bytes.byteLength > SHARED_COPY_LIMIT) return bytes.slice();
    if (this.#used + bytes.byteLength > BLOCK) {
      this.#block = new Uint8Array(BLOCK);
      this.#used = 0;
    }
    const copy = this.#block.subarray(this.#used, this.#used + bytes.byteLength);
    copy.set(bytes);
    this.#used += bytes.byteLength;
    return copy;
  }
}
