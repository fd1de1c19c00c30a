/**
 * The data channel: this host's extension for HTTP and WebSocket traffic, beside gRPC. Many
 * streams share one plain Unix-socket connection as length-prefixed frames, with credit-based flow
 * control so a body of any size streams in bounded memory. (gRPC costs most of an HTTP hop;
 * see docs/architecture.md.) Frame layout, all integers big-endian:
 *
 *   u32 payload length | u32 stream id | u8 type | u8 flags | u16 reserved | payload
 */

export const FRAME_HEADER = 12;
/** Largest DATA payload; larger bodies are cut into frames of this size. */
export const MAX_DATA = 64 * 1024;
/** Largest frame a peer accepts (a head with many headers stays well below). */
export const MAX_FRAME = 16 * 1024 * 1024;
/** Bytes of DATA each side may send on a stream before the other grants more. */
export const INITIAL_WINDOW = 1024 * 1024;

export const FrameType = {
  /** `domain.HTTPRequest` (protobuf), host to plugin; opens a stream. */
  REQUEST: 1,
  /** `domain.HTTPResponse` (protobuf), plugin to host. */
  RESPONSE: 2,
  /** A piece of a body. */
  DATA: 3,
  /** The stream is abandoned (client gone, deadline, failure); payload: the reason as UTF-8. */
  CANCEL: 4,
  /** u32: more bytes of DATA the sender of this frame is ready to receive on the stream. */
  WINDOW: 5,
  /**
   * Host to plugin, opens a WebSocket stream (capability `websocket_channel`): a
   * `domain.WebSocketMessage` of type CONNECT (protobuf), the same headers as on gRPC.
   */
  WS_OPEN: 6,
  /** A piece of a WebSocket message, either way; END on its last piece, BINARY on each. */
  WS_MESSAGE: 7,
  /** u16 close code, then the reason as UTF-8 (none: 1005); the sender sends no more. */
  WS_CLOSE: 8,
  /** Host to plugin, a keepalive; answered by WS_PONG with the same payload. */
  WS_PING: 9,
  WS_PONG: 10,
  /**
   * Host to plugin, opens a unary call (capability `job_channel`, or a plugin that announced
   * `QNTX_PLUGIN_CHANNEL=`): one byte naming the method
   * ({@link CallMethod}), then the request's protobuf bytes. CANCEL abandons it.
   */
  CALL: 11,
  /**
   * Plugin to host, ends a call: the response's protobuf bytes, or with FAILED one byte of gRPC
   * status code (UNIMPLEMENTED, INVALID_ARGUMENT, …) and the reason as UTF-8.
   */
  REPLY: 12,
} as const;

/**
 * The unary methods the data channel carries, by the byte that opens a CALL: the
 * `DomainPluginService` RPC of the same name, same messages (see `channel_methods.ts`).
 */
export const CallMethod = {
  EXECUTE_JOB: 1,
  METADATA: 2,
  CONFIG_SCHEMA: 3,
  INITIALIZE: 4,
  HEALTH: 5,
  SHUTDOWN: 6,
  PAUSE: 7,
  RESUME: 8,
  REGISTER_GLYPHS: 9,
} as const;

export type CallMethodValue = typeof CallMethod[keyof typeof CallMethod];

export type FrameTypeValue = typeof FrameType[keyof typeof FrameType];

/** Flag: the sender sends no more DATA on this stream (on WS_MESSAGE: the message's last piece). */
export const END = 1;
/** Flag on WS_MESSAGE: the message is binary (else text, UTF-8). */
export const BINARY = 2;
/** Flag on REPLY: the call failed; the payload is a gRPC status code byte, then the reason. */
export const FAILED = 4;

/**
 * Receives one frame. `payload` is a view of the reader's buffer, valid only during the call:
 * whoever keeps bytes copies them.
 */
export type FrameHandler = (
  stream: number,
  type: FrameTypeValue,
  flags: number,
  payload: Uint8Array,
) => void;

/** One frame's bytes. */
export function encodeFrame(
  stream: number,
  type: FrameTypeValue,
  flags: number,
  payload: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER + payload.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.byteLength);
  view.setUint32(4, stream);
  bytes[8] = type;
  bytes[9] = flags;
  bytes.set(payload, FRAME_HEADER);
  return bytes;
}

/** A WINDOW frame's payload. */
export function windowPayload(increment: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, increment);
  return payload;
}

/** The increment a WINDOW frame grants. */
export function readWindow(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0);
}

/** What a read asks for at least; a whole DATA frame fits. */
const READ_SIZE = MAX_DATA + FRAME_HEADER;

/**
 * Cuts a byte stream into frames, however the bytes arrive. It owns the buffer reads go into
 * (`space()`, then `commit()`), so reading costs no allocation and frames are views of it.
 * Throws on a frame larger than {@link MAX_FRAME} or an unknown type: the connection is then
 * broken and must be closed.
 */
export class FrameParser {
  #buffer = new Uint8Array(2 * READ_SIZE);
  /** The first byte not yet handed out as a frame. */
  #start = 0;
  /** The end of the bytes read. */
  #end = 0;

  /** Where the next read should put its bytes: room for at least the frame under way. */
  space(): Uint8Array {
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
      // A buffer grown for one large head goes back to its usual size.
      if (this.#buffer.byteLength > 2 * READ_SIZE) this.#buffer = new Uint8Array(2 * READ_SIZE);
    }
    const pending = this.#end - this.#start;
    const frame = pending >= FRAME_HEADER ? FRAME_HEADER + this.#lengthAt(this.#start) : 0;
    const needed = Math.max(frame, pending + READ_SIZE);
    if (this.#buffer.byteLength - this.#start < needed) {
      // Move the partial frame to the front (into a larger buffer when it does not fit).
      if (this.#buffer.byteLength < needed) {
        const grown = new Uint8Array(needed);
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      } else {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      }
      this.#start = 0;
      this.#end = pending;
    }
    return this.#buffer.subarray(this.#end);
  }

  /** `count` bytes were read into {@link space}: hands out every complete frame. */
  commit(count: number, onFrame: FrameHandler): void {
    this.#end += count;
    const buffer = this.#buffer;
    while (this.#end - this.#start >= FRAME_HEADER) {
      const at = this.#start;
      const length = this.#lengthAt(at);
      if (this.#end - at - FRAME_HEADER < length) break;
      const type = buffer[at + 8]!;
      if (type < FrameType.REQUEST || type > FrameType.REPLY) {
        throw new RangeError(`unknown data-channel frame type ${type}`);
      }
      const stream = buffer[at + 4]! * 0x1000000 +
        ((buffer[at + 5]! << 16) | (buffer[at + 6]! << 8) | buffer[at + 7]!);
      this.#start = at + FRAME_HEADER + length;
      onFrame(
        stream,
        type as FrameTypeValue,
        buffer[at + 9]!,
        buffer.subarray(at + FRAME_HEADER, this.#start),
      );
    }
  }

  /** Takes bytes read elsewhere (tests, other transports). */
  push(chunk: Uint8Array, onFrame: FrameHandler): void {
    for (let offset = 0; offset < chunk.byteLength;) {
      const space = this.space();
      const count = Math.min(space.byteLength, chunk.byteLength - offset);
      space.set(chunk.subarray(offset, offset + count));
      offset += count;
      this.commit(count, onFrame);
    }
  }

  #lengthAt(at: number): number {
    const buffer = this.#buffer;
    const length = buffer[at]! * 0x1000000 +
      ((buffer[at + 1]! << 16) | (buffer[at + 2]! << 8) | buffer[at + 3]!);
    if (length > MAX_FRAME) {
      throw new RangeError(`a data-channel frame of ${length} bytes is over the limit`);
    }
    return length;
  }
}
