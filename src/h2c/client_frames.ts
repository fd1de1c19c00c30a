import { FrameSocket } from "./frame_socket.ts";
import {
  ACK,
  ConnectionError,
  END_HEADERS,
  END_STREAM,
  ErrorCode,
  Frame,
  HeaderBlock,
  MAX_WINDOW,
  type PeerSettings,
  readSettings,
  uint32,
  unpadded,
} from "./frames.ts";

const MAX_STREAM_ID = 0x7fffffff;
/** Replies to PING and SETTINGS waiting for a write beyond this: a flood, the connection ends. */
const MAX_UNSENT_REPLIES = 10_000;

/**
 * The client's side of HTTP/2's framing rules (RFC 9113, section 6): which frame may come on
 * which stream and at what size, header blocks gathered across CONTINUATION frames, padding
 * removed, PING and SETTINGS answered (a server that asks faster than it reads is cut off).
 * What the frames mean for calls is the subclass's; a broken rule ends the connection.
 */
export abstract class ClientFrames extends FrameSocket {
  /** The header block being gathered across CONTINUATION frames. */
  #block?: HeaderBlock;
  /** PING and SETTINGS replies queued since the last write finished. */
  #unsentReplies = 0;

  /** Whether the client opened stream `id` (it may have ended since). */
  protected abstract opened(id: number): boolean;
  /** A DATA frame's data; `size` counts its padding too (flow control does). */
  protected abstract onData(id: number, data: Uint8Array, size: number, end: boolean): void;
  /** A whole header block (a view valid during the call). */
  protected abstract onHeaders(id: number, block: Uint8Array, end: boolean): void;
  protected abstract onReset(id: number, code: number): void;
  /** The server's settings, already acknowledged. */
  protected abstract onSettings(settings: PeerSettings): void;
  protected abstract onGoAway(lastId: number, code: number): void;
  protected abstract onWindowUpdate(id: number, increment: number): void;

  protected override onFrame(type: number, flags: number, id: number, payload: Uint8Array): void {
    if (this.#block && (type !== Frame.CONTINUATION || id !== this.#block.stream)) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted");
    }
    if (id !== 0 && type !== Frame.PRIORITY && !this.opened(id)) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `a frame on stream ${id}, never opened`);
    }
    switch (type) {
      case Frame.DATA:
        onStream(id, "DATA");
        return this.onData(
          id,
          unpadded(flags, payload, false),
          payload.length,
          !!(flags & END_STREAM),
        );
      case Frame.HEADERS: {
        onStream(id, "HEADERS");
        const fragment = unpadded(flags, payload, true);
        const end = (flags & END_STREAM) !== 0;
        if (flags & END_HEADERS) return this.onHeaders(id, fragment, end);
        this.#block = new HeaderBlock(id, end, fragment);
        return;
      }
      case Frame.CONTINUATION: {
        const block = this.#block;
        if (!block) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION alone");
        block.add(payload);
        if (!(flags & END_HEADERS)) return;
        this.#block = undefined;
        return this.onHeaders(id, block.whole(), block.endStream);
      }
      case Frame.RST_STREAM:
        onStream(id, "RST_STREAM");
        sized("RST_STREAM", payload.length === 4);
        return this.onReset(id, uint32(payload, 0));
      case Frame.SETTINGS: {
        onConnection(id, "SETTINGS");
        if (flags & ACK) return;
        const settings = readSettings(payload);
        this.#reply();
        this.writer.frame(Frame.SETTINGS, ACK, 0, 0);
        this.schedule();
        return this.onSettings(settings);
      }
      case Frame.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE, though push is off");
      case Frame.PING:
        onConnection(id, "PING");
        sized("PING", payload.length === 8);
        if (flags & ACK) return;
        this.#reply();
        this.writer.bytes(Frame.PING, ACK, 0, payload);
        return this.schedule();
      case Frame.GOAWAY:
        onConnection(id, "GOAWAY");
        sized("GOAWAY", payload.length >= 8);
        return this.onGoAway(uint32(payload, 0) & MAX_STREAM_ID, uint32(payload, 4));
      case Frame.WINDOW_UPDATE:
        sized("WINDOW_UPDATE", payload.length === 4);
        return this.onWindowUpdate(id, uint32(payload, 0) & MAX_WINDOW);
    }
    // PRIORITY and frame types this client does not know are ignored (RFC 9113, 4.1).
  }

  protected override onFlushed(): void {
    this.#unsentReplies = 0;
  }

  /** Counts one more reply the server asked for. */
  #reply(): void {
    if (++this.#unsentReplies <= MAX_UNSENT_REPLIES) return;
    throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, "a flood of PING or SETTINGS frames");
  }
}

// The checks of each frame kind, plain functions: `onFrame` runs for every frame received.

function onStream(id: number, name: string): void {
  if (id === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${name} on stream 0`);
}

function onConnection(id: number, name: string): void {
  if (id !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${name} on a stream`);
}

function sized(name: string, ok: boolean): void {
  if (!ok) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a ${name} frame of the wrong size`);
  }
}
