/**
 * One WebSocket session on a data-channel stream, the same on both ends (host and plugin):
 * messages cut into WS_MESSAGE pieces under credit-based flow control, reassembled on the other
 * side; WS_CLOSE, WS_PING and WS_PONG. Frames are documented in data_frames.ts and
 * proto/README.md.
 */
import { concatBytes } from "./bytes.ts";
import {
  BINARY,
  END,
  FrameType,
  type FrameTypeValue,
  INITIAL_WINDOW,
  MAX_DATA,
  readWindow,
} from "./data_frames.ts";
import type { FrameChannel } from "./frame_channel.ts";
import { closePayload, readClosePayload } from "./websocket_frames.ts";

/** What a session reports to its owner. */
export interface ChannelSocketEvents {
  /**
   * A whole message from the peer: a string (text), or bytes (binary) that are a view of the
   * channel's read buffer, valid only during the call.
   */
  message(data: string | Uint8Array): void;
  /** The peer closed the session, or a message from it was too large (1009). */
  close(code: number, reason: string): void;
  /** The session broke: the channel closed, or the peer cancelled the stream. */
  gone(error?: Error): void;
  /** A WS_PONG came back for {@link ChannelSocket.ping}. */
  pong?(): void;
}

export interface ChannelSocketOptions {
  /** Largest message taken from the peer; a larger one closes the session with 1009. */
  maxMessageBytes?: number;
  /** Runs once when the session is over, whichever way: its owner forgets the stream. */
  onEnd(): void;
}

interface Queued {
  bytes: Uint8Array;
  binary: boolean;
  /** How much of `bytes` has gone out already. */
  sent: number;
}

const encoder = new TextEncoder();
// A text message that begins with U+FEFF keeps it (TextDecoder drops a leading BOM by default).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const EMPTY = new Uint8Array(0);
/** A string this long or shorter fits in one piece, however it encodes (≤ 3 bytes a unit). */
const ONE_PIECE_CHARS = Math.floor(MAX_DATA / 3);

export class ChannelSocket {
  /** Bytes we may still send before the peer grants more. */
  #credit = INITIAL_WINDOW;
  /** Messages waiting for credit, in order. */
  #queue: Queued[] = [];
  #queued = 0;
  /** Bytes received and delivered but not yet granted back. */
  #consumed = 0;
  #paused = false;
  /** Pieces of a message still coming. */
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  /** A close asked for while messages still waited for credit: it goes out after them. */
  #closing?: { code: number; reason: string };
  #ended = false;

  constructor(
    readonly channel: FrameChannel,
    readonly id: number,
    readonly events: ChannelSocketEvents,
    readonly options: ChannelSocketOptions,
  ) {}

  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes of messages waiting for the peer's credit. */
  get buffered(): number {
    return this.#queued;
  }

  /**
   * Sends a message: a string as text, bytes as binary (copied). Returns false when it had to
   * wait for credit (the peer is slow: send less until {@link buffered} falls).
   */
  send(message: string | ArrayBuffer | ArrayBufferView): boolean {
    if (this.#ended || this.#closing) return false;
    if (this.#queued === 0 && this.#credit > 0) {
      if (typeof message === "string" && message.length <= ONE_PIECE_CHARS) {
        // The common case: encoded straight into the outgoing buffer, no copy of its own.
        this.channel.sendWith(this.id, FrameType.WS_MESSAGE, END, (out) => {
          out.reserve(message.length * 3);
          const { written } = encoder.encodeInto(message, out.buffer.subarray(out.length));
          out.length += written;
          this.#credit -= written;
        });
        return true;
      }
      if (typeof message !== "string") {
        const bytes = asBytes(message);
        if (bytes.byteLength <= MAX_DATA) {
          this.channel.send(this.id, FrameType.WS_MESSAGE, END | BINARY, bytes);
          this.#credit -= bytes.byteLength;
          return true;
        }
      }
    }
    const binary = typeof message !== "string";
    // Kept until credit comes: a copy, as the caller may reuse its buffer.
    const bytes = binary ? asBytes(message).slice() : encoder.encode(message);
    this.#queue.push({ bytes, binary, sent: 0 });
    this.#queued += bytes.byteLength;
    this.#flush();
    return this.#queued === 0;
  }

  /** Sends WS_CLOSE (after the messages still waiting for credit) and ends the session. */
  close(code: number, reason: string): void {
    if (this.#ended || this.#closing) return;
    if (this.#queued > 0) {
      this.#closing = { code, reason };
      return;
    }
    this.channel.send(this.id, FrameType.WS_CLOSE, 0, closePayload(code, reason));
    this.#end();
  }

  /** Sends a keepalive; the peer answers with WS_PONG ({@link ChannelSocketEvents.pong}). */
  ping(): void {
    if (!this.#ended) this.channel.send(this.id, FrameType.WS_PING, 0, EMPTY);
  }

  /** Stops granting credit: the peer stops sending once it has used what it has. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    if (this.#consumed > 0) this.#grant();
  }

  /** The stream broke (the channel closed); reports it unless the session was over. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#end();
    this.events.gone(error);
  }

  /** A frame for this stream arrived; `payload` is valid only during the call. */
  receive(type: FrameTypeValue, flags: number, payload: Uint8Array): void {
    if (this.#ended) return;
    switch (type) {
      case FrameType.WS_MESSAGE:
        this.#message(flags, payload);
        break;
      case FrameType.WINDOW:
        this.#credit += readWindow(payload);
        this.#flush();
        break;
      case FrameType.WS_CLOSE: {
        const { code, reason } = readClosePayload(payload);
        this.#end();
        this.events.close(code, reason);
        break;
      }
      case FrameType.WS_PING:
        this.channel.send(this.id, FrameType.WS_PONG, 0, payload);
        break;
      case FrameType.WS_PONG:
        this.events.pong?.();
        break;
      case FrameType.CANCEL:
        this.fail(new Error(decoder.decode(payload) || "the peer cancelled the WebSocket stream"));
        break;
    }
  }

  #message(flags: number, payload: Uint8Array): void {
    const size = payload.byteLength;
    const limit = this.options.maxMessageBytes ?? Infinity;
    this.#consumed += size;
    if (this.#pieceBytes + size > limit) {
      this.#pieces = [];
      this.#pieceBytes = 0;
      const reason = `messages are limited to ${limit} bytes`;
      this.close(1009, reason);
      this.events.close(1009, reason);
      return;
    }
    if (!(flags & END)) {
      this.#pieces.push(payload.slice());
      this.#pieceBytes += size;
      return this.#afterDelivery();
    }
    let whole = payload;
    if (this.#pieces.length > 0) {
      this.#pieces.push(payload);
      whole = concatBytes(this.#pieces);
      this.#pieces = [];
      this.#pieceBytes = 0;
    }
    this.events.message(flags & BINARY ? whole : decoder.decode(whole));
    this.#afterDelivery();
  }

  /** Grants credit back once half the window was used, unless paused. */
  #afterDelivery(): void {
    if (!this.#paused && !this.#ended && this.#consumed >= INITIAL_WINDOW / 2) this.#grant();
  }

  #grant(): void {
    if (this.#ended) return;
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, this.#consumed);
    this.channel.send(this.id, FrameType.WINDOW, 0, payload);
    this.#consumed = 0;
  }

  /** Sends waiting messages, a piece at a time, while there is credit. */
  #flush(): void {
    const queue = this.#queue;
    while (queue.length > 0 && this.#credit > 0 && !this.#ended) {
      const item = queue[0]!;
      const size = Math.min(MAX_DATA, item.bytes.byteLength - item.sent);
      const last = item.sent + size === item.bytes.byteLength;
      const flags = (last ? END : 0) | (item.binary ? BINARY : 0);
      this.channel.send(
        this.id,
        FrameType.WS_MESSAGE,
        flags,
        item.bytes.subarray(item.sent, item.sent + size),
      );
      item.sent += size;
      this.#credit -= size;
      this.#queued -= size;
      if (last) queue.shift();
    }
    if (queue.length === 0 && this.#closing) {
      const { code, reason } = this.#closing;
      this.#closing = undefined;
      this.close(code, reason);
    }
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue = [];
    this.#queued = 0;
    this.#pieces = [];
    this.options.onEnd();
  }
}

function asBytes(message: ArrayBuffer | ArrayBufferView): Uint8Array {
  return message instanceof ArrayBuffer
    ? new Uint8Array(message)
    : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
}
