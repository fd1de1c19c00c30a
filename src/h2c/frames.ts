/**
 * HTTP/2 framing (RFC 9113, section 4 and 6): frame types, flags, error codes and settings by
 * the numbers the RFC gives them, and the writer that puts frames into an outgoing buffer.
 */
import { WriteBuffers } from "../protocol/wire.ts";

export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
export const FRAME_HEADER = 9;

export const Frame = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
} as const;

export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;
export const PADDED = 0x8;
export const PRIORITY = 0x20;

export const ErrorCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 11,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 1,
  ENABLE_PUSH: 2,
  MAX_CONCURRENT_STREAMS: 3,
  INITIAL_WINDOW_SIZE: 4,
  MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
} as const;

/** The frame size every peer must accept, and the largest this client accepts. */
export const DEFAULT_FRAME_SIZE = 16384;
export const DEFAULT_WINDOW = 65535;
export const MAX_WINDOW = 0x7fffffff;

/** A connection error: the connection ends with GOAWAY carrying `code`. */
export class ConnectionError extends Error {
  override name = "ConnectionError";

  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/** Frames are written into one buffer; a connection sends what gathered in one write. */
export class FrameWriter extends WriteBuffers {
  /** Reserves a frame of `length` payload bytes; returns where the payload goes. */
  frame(type: number, flags: number, stream: number, length: number): number {
    const out = this.out;
    out.reserve(FRAME_HEADER + length);
    const at = out.length;
    const buffer = out.buffer;
    buffer[at] = length >>> 16;
    buffer[at + 1] = length >>> 8;
    buffer[at + 2] = length;
    buffer[at + 3] = type;
    buffer[at + 4] = flags;
    out.uint32At(at + 5, stream);
    out.length = at + FRAME_HEADER + length;
    return at + FRAME_HEADER;
  }

  /** A frame with `payload` copied in. */
  bytes(type: number, flags: number, stream: number, payload: Uint8Array): void {
    // frame() may grow the buffer: read it after.
    const at = this.frame(type, flags, stream, payload.length);
    this.out.buffer.set(payload, at);
  }

  /** A frame whose payload is 32-bit words (WINDOW_UPDATE, RST_STREAM, GOAWAY). */
  words(type: number, flags: number, stream: number, ...words: number[]): void {
    const at = this.frame(type, flags, stream, 4 * words.length);
    words.forEach((word, i) => this.out.uint32At(at + 4 * i, word));
  }

  /** A SETTINGS frame of `[id, value]` pairs. */
  settings(pairs: readonly (readonly [number, number])[]): void {
    const at = this.frame(Frame.SETTINGS, 0, 0, 6 * pairs.length);
    const buffer = this.out.buffer;
    pairs.forEach(([id, value], i) => {
      buffer[at + 6 * i] = id >>> 8;
      buffer[at + 6 * i + 1] = id;
      this.out.uint32At(at + 6 * i + 2, value);
    });
  }
}

/** The values of a server's SETTINGS frame this client acts on. */
export interface PeerSettings {
  maxStreams?: number;
  window?: number;
  maxFrame?: number;
}

/**
 * Reads a SETTINGS payload, checked as RFC 9113 (6.5.2) asks. HEADER_TABLE_SIZE is not read:
 * it bounds the server's decoder, which this client never adds to.
 */
export function readSettings(payload: Uint8Array): PeerSettings {
  if (payload.length % 6 !== 0) {
    throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "a SETTINGS frame of the wrong size");
  }
  const settings: PeerSettings = {};
  for (let at = 0; at < payload.length; at += 6) {
    const id = (payload[at]! << 8) | payload[at + 1]!;
    const value = uint32(payload, at + 2);
    if (id === Setting.MAX_CONCURRENT_STREAMS) settings.maxStreams = value;
    else if (id === Setting.INITIAL_WINDOW_SIZE) {
      if (value > MAX_WINDOW) {
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "a window above 2^31-1");
      }
      settings.window = value;
    } else if (id === Setting.MAX_FRAME_SIZE) {
      if (value < DEFAULT_FRAME_SIZE || value > 0xffffff) {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value}`);
      }
      settings.maxFrame = value;
    }
  }
  return settings;
}

/** Reads the big-endian u32 at `at`. */
export function uint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) +
    bytes[at + 3]!;
}

/**
 * A DATA or HEADERS payload without its padding (and, for HEADERS, the priority fields).
 * Throws a {@link ConnectionError} when the padding is longer than the frame.
 */
export function unpadded(flags: number, payload: Uint8Array, priority: boolean): Uint8Array {
  let start = 0;
  let end = payload.length;
  if (flags & PADDED) {
    if (payload.length < 1) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "no pad length");
    end -= payload[0]!;
    start = 1;
  }
  if (priority && flags & PRIORITY) start += 5;
  if (end < start) {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding longer than its frame");
  }
  return payload.subarray(start, end);
}

/** A header block (its HPACK bytes) larger than this, across CONTINUATION frames, is refused. */
const MAX_HEADER_BLOCK = 256 * 1024;
/** And one in more frames than this (empty CONTINUATION frames cost memory, not bytes). */
const MAX_BLOCK_FRAMES = 64;

/** A header block gathered from a HEADERS frame and the CONTINUATION frames after it. */
export class HeaderBlock {
  #parts: Uint8Array[];
  #size: number;

  constructor(readonly stream: number, readonly endStream: boolean, first: Uint8Array) {
    this.#parts = [first.slice()];
    this.#size = first.length;
  }

  /** A CONTINUATION frame's payload (a view, copied). */
  add(fragment: Uint8Array): void {
    this.#size += fragment.length;
    if (this.#size > MAX_HEADER_BLOCK) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block above 256 KiB");
    }
    if (this.#parts.length >= MAX_BLOCK_FRAMES) {
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block in over 64 frames");
    }
    this.#parts.push(fragment.slice());
  }

  whole(): Uint8Array {
    const whole = new Uint8Array(this.#size);
    let at = 0;
    for (const part of this.#parts) {
      whole.set(part, at);
      at += part.length;
    }
    return whole;
  }
}
