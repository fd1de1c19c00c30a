import type { Logger } from "../plugin/mod.ts";
import type { PluginSocket, SocketTransport } from "./socket.ts";
import { CallFailure } from "./unary_rpcs.ts";
import {
  CallStatus,
  ChannelSocket,
  END,
  FAILED,
  FrameChannel,
  FrameType,
  type FrameTypeValue,
  IncomingBody,
  OutgoingBody,
  readOpenPayload,
  readRequestHead,
  type RequestHead,
  StreamTable,
  windowPayload,
  writeResponseHead,
} from "../protocol/wire.ts";

const NO_BODY = new Set(["GET", "HEAD"]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A `Host` that cannot be pasted in front of a path without changing what the URL means. */
const UNSAFE_HOST = /[/\\?#@]/;
/** Microtask turns a read of a body that is already there needs to settle (one, in Deno 2.9). */
const SETTLE_TURNS = 4;

/** One request the plugin is answering on a data channel. */
interface ServerStream {
  controller: AbortController;
  body?: IncomingBody;
  response?: OutgoingBody;
}

type Streams = StreamTable<ServerStream>;

/** The WebSocket sessions of one connection, in the same id space as the requests. */
type Sockets = StreamTable<ChannelSocket>;

/**
 * Starts the plugin's handler for a WebSocket session's CONNECT headers on `transport`, or
 * refuses it with a close; returns the socket that hears what the host sends.
 */
export type OpenSocket = (
  connect: Record<string, string>,
  transport: SocketTransport,
) => PluginSocket | undefined;

/**
 * Answers one unary call (the plugin's control and its jobs): `method` is the CALL's first byte,
 * `request` the rest (a copy, the caller's to keep); `signal` aborts when the host cancels.
 * Resolves with the response's protobuf bytes.
 */
export type AnswerCall = (
  method: number,
  request: Uint8Array,
  signal: AbortSignal,
) => Promise<Uint8Array>;

/**
 * The plugin's side of the data channel: accepts the host's connections on a Unix socket and
 * answers each REQUEST stream with `respond` (the same routing as `HandleHTTP`), streaming both
 * bodies with flow control. A CANCEL from the host aborts the request's signal. WS_OPEN starts a
 * WebSocket session with `openSocket` (capability `websocket_channel`); CALL a unary call with
 * `answerCall`.
 */
export class DataServer {
  readonly #listener: Deno.Listener;
  readonly #channels = new Set<FrameChannel>();
  readonly #accepting: Promise<void>;

  constructor(
    readonly path: string,
    readonly respond: (request: Request) => Promise<Response>,
    readonly logger: Logger,
    readonly openSocket?: OpenSocket,
    readonly answerCall?: AnswerCall,
  ) {
    this.#listener = Deno.listen({ transport: "unix", path });
    this.#accepting = this.#accept();
  }

  /** Stops accepting and drops open connections. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const channel of this.#channels) channel.close();
    await this.#accepting;
    await Promise.all([...this.#channels].map((channel) => channel.closed));
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#serve(conn);
    } catch {
      // the listener was closed
    }
  }

  #serve(conn: Deno.Conn): void {
    const streams: Streams = new StreamTable();
    const sockets: Sockets = new StreamTable();
    const calls = new StreamTable<AbortController>();
    const channel = new FrameChannel(conn, (id, type, flags, payload) => {
      const stream = streams.get(id);
      if (stream || type <= FrameType.DATA) {
        this.#frame(channel, streams, stream, id, type, flags, payload);
      } else if (type === FrameType.WS_OPEN) {
        if (!sockets.has(id)) this.#openSocket(channel, sockets, id, payload);
      } else if (type === FrameType.CALL) {
        if (!calls.has(id)) this.#call(channel, calls, id, payload);
      } else if (calls.has(id)) {
        if (type !== FrameType.CANCEL) return;
        calls.get(id)!.abort(new Error(decoder.decode(payload) || "the host cancelled the call"));
        calls.delete(id);
      } else {
        sockets.get(id)?.receive(type, flags, payload);
      }
    });
    this.#channels.add(channel);
    channel.closed.then(() => {
      this.#channels.delete(channel);
      const reason = new Error("the host closed the data channel");
      for (const [, stream] of streams.entries()) stream.controller.abort(reason);
      for (const [, socket] of sockets.entries()) socket.fail(reason);
      for (const [, call] of calls.entries()) call.abort(reason);
    });
  }

  async #call(
    channel: FrameChannel,
    calls: StreamTable<AbortController>,
    id: number,
    payload: Uint8Array,
  ): Promise<void> {
    const controller = new AbortController();
    calls.set(id, controller);
    const method = payload[0] ?? 0;
    // The frame's bytes are reused once this callback returns.
    const request = payload.slice(1);
    let reply: Uint8Array;
    let flags = 0;
    try {
      if (!this.answerCall) {
        throw new CallFailure(CallStatus.UNIMPLEMENTED, "this plugin answers no calls here");
      }
      reply = await this.answerCall(method, request, controller.signal);
    } catch (error) {
      // The gRPC status first, so the host reads a refusal as it would over gRPC.
      const reason = encoder.encode((error as Error)?.message || String(error));
      reply = new Uint8Array(1 + reason.byteLength);
      reply[0] = error instanceof CallFailure ? error.code : CallStatus.UNKNOWN;
      reply.set(reason, 1);
      flags = FAILED;
    }
    // A call the host cancelled meanwhile gets no answer.
    if (calls.get(id) !== controller) return;
    calls.delete(id);
    channel.send(id, FrameType.REPLY, END | flags, reply);
  }

  #openSocket(channel: FrameChannel, sockets: Sockets, id: number, payload: Uint8Array): void {
    // The plugin's socket exists once its handler is found; frames may end the session before.
    const to: { plugin?: PluginSocket } = {};
    const socket = new ChannelSocket(channel, id, {
      message: (data) => to.plugin?.received(data),
      close: (code, reason) => to.plugin?.closed(code, reason, true),
      gone: () => to.plugin?.closed(1006, "the connection to the host ended", false),
    }, { onEnd: () => sockets.delete(id) });
    sockets.set(id, socket);
    let connect: Record<string, string>;
    try {
      connect = readOpenPayload(payload);
    } catch (error) {
      return socket.close(1002, `bad WS_OPEN: ${(error as Error).message}`);
    }
    if (!this.openSocket) return socket.close(1008, "this plugin serves no WebSockets");
    to.plugin = this.openSocket(connect, {
      send: (message) => socket.send(message),
      buffered: () => socket.buffered,
      close: (code, reason) => socket.close(code, reason),
    });
  }

  #frame(
    channel: FrameChannel,
    streams: Streams,
    stream: ServerStream | undefined,
    id: number,
    type: FrameTypeValue,
    flags: number,
    payload: Uint8Array,
  ): void {
    switch (type) {
      case FrameType.REQUEST:
        if (!stream) this.#open(channel, streams, id, flags, payload);
        break;
      case FrameType.DATA:
        stream?.body?.push(payload, flags);
        break;
      case FrameType.WINDOW:
        stream?.response?.granted(payload);
        break;
      case FrameType.CANCEL: {
        const reason = new Error(decoder.decode(payload) || "the host cancelled the request");
        stream?.controller.abort(reason);
        stream?.body?.fail(reason);
        stream?.response?.cancel(reason);
        streams.delete(id);
        break;
      }
    }
  }

  #open(
    channel: FrameChannel,
    streams: Streams,
    id: number,
    flags: number,
    payload: Uint8Array,
  ): void {
    const stream: ServerStream = { controller: new AbortController() };
    streams.set(id, stream);
    const fail = (status: number, message: string) => {
      channel.sendWith(id, FrameType.RESPONSE, END, (out) =>
        writeResponseHead(
          out,
          status,
          new Headers({ "content-type": "text/plain" }),
          encoder.encode(message),
        ));
      streams.delete(id);
    };
    let request: Request;
    try {
      const head = readRequestHead(payload);
      if (!head.path.startsWith("/")) return fail(400, `the request path must start with "/"`);
      const method = head.method.toUpperCase() || "GET";
      let body: BodyInit | undefined;
      if (!(flags & END)) {
        stream.body = new IncomingBody((increment) =>
          channel.send(id, FrameType.WINDOW, 0, windowPayload(increment))
        );
        body = stream.body.stream;
      } else if (head.body && head.body.byteLength > 0) {
        body = head.body.slice(); // the frame's bytes are reused after this call
      }
      request = toRequest(head, method, NO_BODY.has(method) ? undefined : body, stream);
    } catch (error) {
      return fail(400, `bad request head: ${(error as Error).message}`);
    }
    this.#answer(channel, streams, id, stream, request);
  }

  async #answer(
    channel: FrameChannel,
    streams: Streams,
    id: number,
    stream: ServerStream,
    request: Request,
  ): Promise<void> {
    try {
      const response = await this.respond(request);
      if (!streams.has(id)) return; // cancelled meanwhile
      const head = (flags: number, body?: Uint8Array) =>
        channel.sendWith(
          id,
          FrameType.RESPONSE,
          flags,
          (out) => writeResponseHead(out, response.status, response.headers, body),
        );
      if (!response.body) return head(END);
      // Most bodies are one chunk that is already there: it goes inside the head, one frame in
      // all. A body that is still coming (server-sent events) gets its head sent at once.
      const reader = response.body.getReader();
      const first = watch(reader.read());
      const second = watch(reader.read());
      for (let turn = 0; turn < SETTLE_TURNS && !second.settled; turn++) await null;
      if (first.result?.done) return head(END);
      if (first.result && second.result?.done) return head(END, chunk(first.result.value));
      head(0);
      stream.response = new OutgoingBody((payload, flags) =>
        channel.send(id, FrameType.DATA, flags, payload)
      );
      await stream.response.pumpReader(reader, [first.promise, second.promise]);
    } catch (error) {
      if (!stream.controller.signal.aborted) {
        this.logger.warn("a response body failed while streaming", { error });
        channel.send(id, FrameType.CANCEL, 0, encoder.encode((error as Error).message));
      }
    } finally {
      streams.delete(id);
    }
  }
}

/**
 * The web request for a head. The headers go in as pairs (a `Headers` object costs several
 * times more to copy in); a header `Request` refuses is left out, as `fromWireHeaders` does.
 */
function toRequest(
  head: RequestHead,
  method: string,
  body: BodyInit | undefined,
  stream: ServerStream,
): Request {
  const host = head.host ?? "localhost";
  // One URL parse (inside Request) instead of two, when the host is a plain one.
  const url = UNSAFE_HOST.test(host) || head.path.startsWith("//")
    ? new URL(head.path, `http://${host}`).href
    : `http://${host}${head.path}`;
  // The signal in the init (~2.5 µs a request: `Request` makes one that follows it), not handed
  // out lazily: a handler's `fetch(request)` or `clone()` reads `Request`'s own, and must still
  // be cancelled with the call.
  const init: RequestInit & { duplex?: "half" } = {
    method,
    headers: head.headers,
    signal: stream.controller.signal,
  };
  if (body !== undefined) {
    init.body = body;
    // Deno accepts streaming request bodies with duplex "half".
    if (body instanceof ReadableStream) init.duplex = "half";
  }
  try {
    return new Request(url, init);
  } catch {
    const headers = new Headers();
    for (const [name, value] of head.headers) {
      try {
        headers.append(name, value);
      } catch {
        // left out
      }
    }
    init.headers = headers;
    return new Request(url, init);
  }
}

/** A promise's outcome as soon as it is known, without awaiting it. */
interface Watched<T> {
  promise: Promise<T>;
  settled: boolean;
  result?: T;
}

function watch<T>(promise: Promise<T>): Watched<T> {
  const watched: Watched<T> = { promise, settled: false };
  promise.then(
    (result) => {
      watched.settled = true;
      watched.result = result;
    },
    () => watched.settled = true,
  );
  return watched;
}

function chunk(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError("a body chunk must be a Uint8Array");
  return value;
}
