/**
 * The data channel: this host's extension for HTTP traffic, beside gRPC. Many request streams
 * share one plain Unix-socket connection as length-prefixed frames, with credit-based flow
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
} as const;

export type FrameTypeValue = typeof FrameType[keyof typeof FrameType];

/** Flag: the sender sends no more DATA on this stream. */
export const END = 1;

export interface Frame {
  stream: number;
  type: FrameTypeValue;
  flags: number;
  payload: Uint8Array;
}

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

/**
 * Cuts a byte stream into frames, however the bytes arrive. Throws on a frame larger than
 * {@link MAX_FRAME} or an unknown type: the connection is then broken and must be closed.
 */
export class FrameParser {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array, onFrame: (frame: Frame) => void): void {
    let bytes = chunk;
    if (this.#buffer.byteLength > 0) {
      bytes = new Uint8Array(this.#buffer.byteLength + chunk.byteLength);
      bytes.set(this.#buffer);
      bytes.set(chunk, this.#buffer.byteLength);
    }
    let offset = 0;
    while (bytes.byteLength - offset >= FRAME_HEADER) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER);
      const length = view.getUint32(0);
      if (length > MAX_FRAME) {
        throw new RangeError(`a data-channel frame of ${length} bytes is over the limit`);
      }
      if (bytes.byteLength - offset < FRAME_HEADER + length) break;
      const type = bytes[offset + 8]!;
      if (type < FrameType.REQUEST || type > FrameType.WINDOW) {
        throw new RangeError(`unknown data-channel frame type ${type}`);
      }
      onFrame({
        stream: view.getUint32(4),
        type: type as FrameTypeValue,
        flags: bytes[offset + 9]!,
        payload: bytes.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + length),
      });
      offset += FRAME_HEADER + length;
    }
    this.#buffer = offset === bytes.byteLength ? new Uint8Array(0) : bytes.slice(offset);
  }
}
