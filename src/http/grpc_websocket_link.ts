import type { ClientDuplexStream } from "@grpc/grpc-js";
import {
  type ChannelSocketEvents,
  decodeDataFrame,
  domain,
  encodeDataFrame,
  encodeEnvelope,
  nowNanos,
  parseEnvelope,
  readClose,
  WS_CODE,
  WS_OPCODE,
  WS_REASON,
} from "../protocol/mod.ts";

type Frame = domain.WebSocketMessage;
export type FrameStream = ClientDuplexStream<Frame, Frame>;
const Type = domain.WebSocketMessage_Type;

/**
 * The relay's side of one connection to the plugin, whichever way it travels: a session on the
 * data channel ({@link ChannelSocket}) or a `HandleWebSocket` stream ({@link GrpcLink}).
 */
export interface PluginLink {
  /** Passes a client's message on. */
  send(message: string | ArrayBuffer): unknown;
  /** Bytes (or, on gRPC, frames) of client messages the plugin has not taken yet. */
  readonly buffered: number;
  ping(): void;
  /** Sends CLOSE and lets the plugin go; does nothing the second time. */
  close(code: number, reason: string): void;
  /** Stops taking messages from the plugin (a slow client), until {@link resume}. */
  pause(): void;
  resume(): void;
}

/** What a gRPC link reports: a data-channel session's events, and errors the plugin sends. */
export interface LinkEvents extends ChannelSocketEvents {
  pong(): void;
  /** The plugin reported an error on its stream. */
  error(message: string): void;
}

/**
 * How a client speaks QNTX's envelopes (`/ws/<name>`): each of its messages is a JSON envelope
 * whose frame goes to the plugin as it is (a PING too: QNTX's terminals resize so), and each
 * DATA from the plugin goes to it as one. `dropped` hears of a message that is not an envelope.
 */
export interface EnvelopeMode {
  dropped(reason: string): void;
}

/**
 * A `HandleWebSocket` stream as a {@link PluginLink}; what the plugin sends goes to `events`.
 * With `envelope`, the client speaks QNTX's JSON envelopes instead of raw messages.
 */
export class GrpcLink implements PluginLink {
  #ended = false;

  constructor(
    readonly stream: FrameStream,
    connect: Record<string, string>,
    readonly events: LinkEvents,
    readonly envelope?: EnvelopeMode,
  ) {
    this.#write(Type.CONNECT, connect);
    stream.on("data", (frame: Frame) => this.#fromPlugin(frame));
    stream.on("end", () => events.gone());
    stream.on("error", (error: Error) => events.gone(error));
  }

  get buffered(): number {
    return this.stream.writableLength;
  }

  send(message: string | ArrayBuffer): void {
    if (this.envelope) {
      const text = typeof message === "string"
        ? message
        : new TextDecoder("utf-8", { ignoreBOM: true }).decode(message);
      const parsed = parseEnvelope(text);
      if (typeof parsed === "string") return this.envelope.dropped(parsed);
      return this.#write(parsed.type, parsed.headers, parsed.data);
    }
    const frame = encodeDataFrame(message);
    this.#write(Type.DATA, frame.headers, frame.data);
  }

  ping(): void {
    this.#write(Type.PING, {});
  }

  close(code: number, reason: string): void {
    this.#write(Type.CLOSE, { [WS_CODE]: String(code), [WS_REASON]: reason });
    if (this.#ended) return;
    this.#ended = true;
    try {
      this.stream.end();
    } catch {
      // already ended by the other side
    }
  }

  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  #fromPlugin(frame: Frame): void {
    switch (frame.type) {
      case Type.DATA:
        this.events.message(
          this.envelope
            ? encodeEnvelope(frame.type, frame.data, frame.headers, frame.timestamp)
            : decodeDataFrame(frame.data, frame.headers[WS_OPCODE]),
        );
        break;
      case Type.CLOSE: {
        const { code, reason } = readClose(frame.headers);
        this.events.close(code, reason);
        break;
      }
      case Type.PING:
        this.#write(Type.PONG, frame.headers, frame.data);
        break;
      case Type.PONG:
        this.events.pong?.();
        break;
      case Type.ERROR:
        this.events.error(new TextDecoder().decode(frame.data));
        break;
    }
  }

  #write(
    type: domain.WebSocketMessage_Type,
    headers: Record<string, string>,
    data: Uint8Array = new Uint8Array(),
  ): void {
    if (this.#ended) return;
    try {
      this.stream.write({ type, headers, data, timestamp: nowNanos() });
    } catch {
      // the stream broke; its error event closes the client
    }
  }
}
