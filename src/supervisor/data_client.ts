import { PluginCallError } from "../plugin/mod.ts";
import {
  domain,
  END,
  type Frame,
  FrameChannel,
  FrameType,
  IncomingBody,
  OutgoingBody,
  windowPayload,
} from "../protocol/mod.ts";

/** A plugin's answer on the data channel: its head, and its body as it streams. */
export interface StreamedResponse {
  status: number;
  headers: domain.HTTPHeader[];
  /** The body as it streams; null when it came whole (`whole`) or there is none. */
  body: ReadableStream<Uint8Array> | null;
  whole?: Uint8Array;
}

interface ClientStream {
  answered: boolean;
  /** Restarts the deadline: the exchange is moving. */
  progress?: () => void;
  resolve(response: StreamedResponse): void;
  reject(error: Error): void;
  incoming?: IncomingBody;
  outgoing?: OutgoingBody;
  /** Called once when the stream is over, whichever way. */
  finish(): void;
}

const encoder = new TextEncoder();

/**
 * The host's side of one plugin process's data channel: one Unix-socket connection carrying
 * every HTTP request to it as a stream of frames (see src/protocol/data_frames.ts).
 */
export class DataClient {
  #next = 1;
  readonly #streams = new Map<number, ClientStream>();

  private constructor(readonly plugin: string, readonly channel: FrameChannel) {
    channel.closed.then((error) => {
      const reason = new PluginCallError(
        "unreachable",
        `plugin "${plugin}" closed its data channel${error ? `: ${error.message}` : ""}`,
      );
      for (const stream of this.#streams.values()) this.#fail(stream, reason);
      this.#streams.clear();
    });
  }

  static async connect(plugin: string, path: string): Promise<DataClient> {
    const conn = await Deno.connect({ transport: "unix", path });
    const route: { to?: DataClient } = {};
    const client = new DataClient(
      plugin,
      new FrameChannel(conn, (frame) => route.to!.#frame(frame)),
    );
    route.to = client;
    return client;
  }

  get closed(): boolean {
    return this.channel.isClosed;
  }

  close(): void {
    this.channel.close();
  }

  /**
   * Sends one request; resolves with the response head once the plugin answers (the body
   * streams after). `deadlineMs` bounds the wait for the head; `signal` (the client going away)
   * cancels the request in the plugin. `onDone` runs when the exchange is over.
   */
  request(
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    onDone: () => void,
  ): Promise<StreamedResponse> {
    if (this.channel.isClosed) {
      onDone();
      return Promise.reject(
        new PluginCallError("unreachable", `plugin "${this.plugin}" closed its data channel`),
      );
    }
    const id = this.#next;
    this.#next += 2;
    return new Promise<StreamedResponse>((resolve, reject) => {
      let finished = false;
      const stream: ClientStream = {
        answered: false,
        resolve,
        reject,
        finish: () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", abort);
          this.#streams.delete(id);
          onDone();
        },
      };
      const cancel = (reason: string) => {
        this.channel.send(id, FrameType.CANCEL, 0, encoder.encode(reason));
        stream.outgoing?.cancel(new Error(reason));
      };
      const timer = setTimeout(() => {
        if (stream.answered) return;
        cancel("deadline passed");
        this.#fail(
          stream,
          new PluginCallError("timeout", `plugin "${this.plugin}" did not answer in time`),
        );
      }, deadlineMs);
      const abort = () => {
        cancel("the client went away");
        this.#fail(
          stream,
          new PluginCallError("cancelled", `the caller of plugin "${this.plugin}" went away`),
        );
      };
      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
      this.#streams.set(id, stream);
      this.channel.send(
        id,
        FrameType.REQUEST,
        body ? 0 : END,
        domain.HTTPRequest.encode(head).finish(),
      );
      if (body) {
        stream.outgoing = new OutgoingBody((payload, flags) =>
          this.channel.send(id, FrameType.DATA, flags, payload)
        );
        stream.outgoing.pump(body).catch((error) => {
          if (!finished) cancel(`the request body failed: ${(error as Error).message}`);
        });
      }
    });
  }

  #frame(frame: Frame): void {
    const stream = this.#streams.get(frame.stream);
    if (!stream) return;
    switch (frame.type) {
      case FrameType.RESPONSE: {
        if (stream.answered) return;
        stream.answered = true;
        const head = domain.HTTPResponse.decode(frame.payload);
        if (frame.flags & END) {
          // The whole body came inside the head.
          stream.resolve({
            status: head.statusCode,
            headers: head.headers,
            body: null,
            whole: head.body,
          });
          stream.finish();
          return;
        }
        stream.incoming = new IncomingBody(
          (increment) =>
            this.channel.send(frame.stream, FrameType.WINDOW, 0, windowPayload(increment)),
          () => {
            this.channel.send(
              frame.stream,
              FrameType.CANCEL,
              0,
              encoder.encode("the client went away"),
            );
            stream.finish();
          },
        );
        stream.resolve({
          status: head.statusCode,
          headers: head.headers,
          body: stream.incoming.stream,
        });
        break;
      }
      case FrameType.DATA:
        stream.incoming?.push(frame.payload, frame.flags);
        if (frame.flags & END) stream.finish();
        break;
      case FrameType.WINDOW:
        stream.outgoing?.granted(frame.payload);
        if (!stream.answered) stream.progress?.();
        break;
      case FrameType.CANCEL:
        this.#fail(
          stream,
          new PluginCallError(
            "unreachable",
            `plugin "${this.plugin}" abandoned the request: ${
              new TextDecoder().decode(frame.payload)
            }`,
          ),
        );
        break;
    }
  }

  #fail(stream: ClientStream, error: Error): void {
    if (!stream.answered) {
      stream.answered = true;
      stream.reject(error);
    }
    stream.incoming?.fail(error);
    stream.outgoing?.cancel(error);
    stream.finish();
  }
}
