import type { Logger } from "../plugin/mod.ts";
import {
  domain,
  END,
  type Frame,
  FrameChannel,
  FrameType,
  fromWireHeaders,
  IncomingBody,
  OutgoingBody,
  toWireHeaders,
  windowPayload,
} from "../protocol/mod.ts";

const NO_BODY = new Set(["GET", "HEAD"]);
const encoder = new TextEncoder();

/** One request the plugin is answering on a data channel. */
interface ServerStream {
  controller: AbortController;
  body?: IncomingBody;
  response?: OutgoingBody;
}

/**
 * The plugin's side of the data channel: accepts the host's connections on a Unix socket and
 * answers each REQUEST stream with `respond` (the same routing as `HandleHTTP`), streaming both
 * bodies with flow control. A CANCEL from the host aborts the request's signal.
 */
export class DataServer {
  readonly #listener: Deno.Listener;
  readonly #channels = new Set<FrameChannel>();
  readonly #accepting: Promise<void>;

  constructor(
    readonly path: string,
    readonly respond: (request: Request) => Promise<Response>,
    readonly logger: Logger,
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
    const streams = new Map<number, ServerStream>();
    const channel = new FrameChannel(conn, (frame) => this.#frame(channel, streams, frame));
    this.#channels.add(channel);
    channel.closed.then(() => {
      this.#channels.delete(channel);
      for (const stream of streams.values()) {
        stream.controller.abort(new Error("the host closed the data channel"));
      }
    });
  }

  #frame(channel: FrameChannel, streams: Map<number, ServerStream>, frame: Frame): void {
    const stream = streams.get(frame.stream);
    switch (frame.type) {
      case FrameType.REQUEST:
        if (!stream) this.#open(channel, streams, frame);
        break;
      case FrameType.DATA:
        stream?.body?.push(frame.payload, frame.flags);
        break;
      case FrameType.WINDOW:
        stream?.response?.granted(frame.payload);
        break;
      case FrameType.CANCEL: {
        const reason = new Error(
          new TextDecoder().decode(frame.payload) || "the host cancelled the request",
        );
        stream?.controller.abort(reason);
        stream?.body?.fail(reason);
        stream?.response?.cancel(reason);
        streams.delete(frame.stream);
        break;
      }
    }
  }

  #open(channel: FrameChannel, streams: Map<number, ServerStream>, frame: Frame): void {
    const id = frame.stream;
    const stream: ServerStream = { controller: new AbortController() };
    streams.set(id, stream);
    const fail = (status: number, message: string) => {
      channel.send(
        id,
        FrameType.RESPONSE,
        END,
        domain.HTTPResponse.encode({
          statusCode: status,
          headers: [{ name: "content-type", values: ["text/plain"] }],
          body: encoder.encode(message),
        }).finish(),
      );
      streams.delete(id);
    };
    let request: Request;
    try {
      const head = domain.HTTPRequest.decode(frame.payload);
      if (!head.path.startsWith("/")) return fail(400, `the request path must start with "/"`);
      const headers = fromWireHeaders(head.headers);
      const method = head.method.toUpperCase() || "GET";
      let body: BodyInit | undefined;
      if (!(frame.flags & END)) {
        stream.body = new IncomingBody((increment) =>
          channel.send(id, FrameType.WINDOW, 0, windowPayload(increment))
        );
        body = stream.body.stream;
      } else if (head.body.byteLength > 0) {
        body = head.body as Uint8Array<ArrayBuffer>;
      }
      request = new Request(new URL(head.path, `http://${headers.get("host") ?? "localhost"}`), {
        method,
        headers,
        body: NO_BODY.has(method) ? undefined : body,
        signal: stream.controller.signal,
        // @ts-ignore: Deno accepts streaming request bodies with duplex "half"
        duplex: "half",
      });
    } catch (error) {
      return fail(400, `bad request head: ${(error as Error).message}`);
    }
    this.respond(request).then(async (response) => {
      if (!streams.has(id)) return; // cancelled meanwhile
      const head = (body: Uint8Array, flags: number) =>
        channel.send(
          id,
          FrameType.RESPONSE,
          flags,
          domain.HTTPResponse.encode({
            statusCode: response.status,
            headers: toWireHeaders(response.headers),
            body,
          }).finish(),
        );
      if (!response.body) return head(new Uint8Array(), END);
      // Most bodies are one chunk that is already there: it goes inside the head, one frame in
      // all. A body that is still coming (server-sent events) gets its head sent at once.
      const reader = response.body.getReader();
      const first = reader.read();
      const firstNow = await settledSoon(first);
      if (firstNow?.done) {
        reader.releaseLock();
        return head(new Uint8Array(), END);
      }
      const started = [first];
      if (firstNow) {
        const second = reader.read();
        const secondNow = await settledSoon(second);
        if (secondNow?.done) {
          reader.releaseLock();
          return head(firstNow.value, END);
        }
        started.push(second);
      }
      head(new Uint8Array(), 0);
      stream.response = new OutgoingBody((payload, flags) =>
        channel.send(id, FrameType.DATA, flags, payload)
      );
      await stream.response.pumpReader(reader, started);
    }).catch((error) => {
      if (!stream.controller.signal.aborted) {
        this.logger.warn("a response body failed while streaming", { error });
        channel.send(id, FrameType.CANCEL, 0, encoder.encode((error as Error).message));
      }
    }).finally(() => streams.delete(id));
  }
}

/** Microtask hops a read of a body that is already there needs to settle. */
const SETTLE_HOPS = 4;

/** The read's result when it settles within a few microtasks, else undefined (still pending). */
async function settledSoon<T>(read: Promise<T>): Promise<T | undefined> {
  let hops: Promise<undefined> = Promise.resolve(undefined);
  for (let i = 0; i < SETTLE_HOPS; i++) hops = hops.then(() => undefined);
  return await Promise.race([read, hops]);
}
