/**
 * Byte-level protobuf writing and reading for the data channel's hot path, where the generated
 * codecs' intermediate objects and copies cost more than the work itself. The bytes are the
 * same protobuf the generated stubs read and write (tests check both ways); only the messages
 * the data channel sends per request use this.
 */

const encoder = new TextEncoder();
// A string that begins with U+FEFF keeps it: TextDecoder drops a leading BOM by default, which
// took the first character of a header value (found by the property test of http_head.ts).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Protobuf wire types used here. */
export const VARINT = 0;
export const LENGTH_DELIMITED = 2;

/** A growable byte buffer that protobuf fields and frame headers are written into. */
export class WireWriter {
  buffer: Uint8Array;
  length = 0;

  constructor(capacity = 4096) {
    this.buffer = new Uint8Array(capacity);
  }

  /** What was written so far (a view, valid until the next write). */
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.length + count;
    if (needed <= this.buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.byteLength * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** A big-endian u32 at `at` (already reserved), as frame headers have. */
  uint32At(at: number, value: number): void {
    const buffer = this.buffer;
    buffer[at] = value >>> 24;
    buffer[at + 1] = value >>> 16;
    buffer[at + 2] = value >>> 8;
    buffer[at + 3] = value;
  }

  /** An unsigned varint (up to 2^32 - 1). */
  varint(value: number): void {
    this.reserve(5);
    const buffer = this.buffer;
    let at = this.length;
    while (value > 0x7f) {
      buffer[at++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[at++] = value;
    this.length = at;
  }

  /** A field's tag. */
  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** An `int32` field (negative values take ten bytes, as protobuf says). */
  int32(field: number, value: number): void {
    this.tag(field, VARINT);
    if (value >= 0) return this.varint(value);
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest > 0x7fn) {
      this.raw(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.raw(Number(rest));
  }

  /** A `string` field, UTF-8. */
  string(field: number, value: string): void {
    const start = this.begin(field);
    this.reserve(value.length * 3);
    // Header names and values are ASCII nearly always: copied here without the encoder's view
    // and result objects, the rest of a string goes to the encoder from its first other char.
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) {
        at += encoder.encodeInto(value.slice(i), buffer.subarray(at)).written;
        break;
      }
      buffer[at++] = code;
    }
    this.length = at;
    this.end(start);
  }

  /** A `bytes` field. */
  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(value.byteLength);
    this.append(value);
  }

  /** Bytes as they are. */
  append(value: Uint8Array): void {
    this.reserve(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
  }

  /**
   * Opens a length-delimited field whose length is not known yet: one byte is kept for it, and
   * {@link end} moves the content when the length needs more.
   */
  begin(field: number): number {
    this.tag(field, LENGTH_DELIMITED);
    this.reserve(1);
    this.length++;
    return this.length;
  }

  /** Closes the field {@link begin} opened at `start`. */
  end(start: number): void {
    const size = this.length - start;
    if (size < 0x80) {
      this.buffer[start - 1] = size;
      return;
    }
    let extra = 0;
    for (let rest = size >>> 7; rest > 0; rest >>>= 7) extra++;
    this.reserve(extra);
    this.buffer.copyWithin(start + extra, start, this.length);
    const end = this.length + extra;
    this.length = start - 1;
    this.varint(size);
    this.length = end;
  }

  /** One byte as it is. */
  raw(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }
}

/** Reads protobuf fields from bytes; malformed or truncated input throws a `RangeError`. */
export class WireReader {
  at: number;

  constructor(readonly buffer: Uint8Array, start = 0, public end = buffer.byteLength) {
    this.at = start;
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  /** A varint's low 32 bits, unsigned (a negative `int32` comes back with `| 0`). */
  varint(): number {
    const buffer = this.buffer;
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.at >= this.end) throw new RangeError("a varint runs past the end of the message");
      const byte = buffer[this.at++]!;
      if (shift < 32) result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    throw new RangeError("a varint is longer than ten bytes");
  }

  /** The length of a length-delimited field, checked against what is left. */
  length(): number {
    const length = this.varint();
    if (length > this.end - this.at) {
      throw new RangeError("a field runs past the end of the message");
    }
    return length;
  }

  /** A length-delimited field's bytes: a view of the buffer, not a copy. */
  bytes(): Uint8Array {
    const length = this.length();
    const start = this.at;
    this.at += length;
    return this.buffer.subarray(start, this.at);
  }

  string(): string {
    const length = this.length();
    const start = this.at;
    this.at += length;
    return decodeString(this.buffer, start, this.at);
  }

  /** Passes over a field this reader does not know. */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case 1:
        this.at += 8;
        break;
      case LENGTH_DELIMITED: {
        const length = this.length(); // moves past the length's own bytes first
        this.at += length;
        return;
      }
      case 5:
        this.at += 4;
        break;
      default:
        throw new RangeError(`unsupported protobuf wire type ${wireType}`);
    }
    if (this.at > this.end) throw new RangeError("a field runs past the end of the message");
  }
}

/** Strings up to this many bytes are looked up in {@link recent} before being decoded. */
const CACHED_LENGTH = 64;
/** Recently decoded short ASCII strings, by a hash of their bytes. */
const recent: (string | undefined)[] = new Array(512);

/**
 * UTF-8 bytes as a string. The same header names and values come in request after request,
 * so a short ASCII one is first looked for among recent strings: comparing a few bytes costs
 * less than the decoder's call and the new string it makes (and later collects).
 */
function decodeString(buffer: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > CACHED_LENGTH) return decoder.decode(buffer.subarray(start, end));
  let hash = length;
  for (let i = start; i < end; i++) {
    const byte = buffer[i]!;
    if (byte >= 0x80) return decoder.decode(buffer.subarray(start, end));
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  const slot = hash & (recent.length - 1);
  const known = recent[slot];
  if (known !== undefined && known.length === length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = known.charCodeAt(i) === buffer[start + i];
    if (same) return known;
  }
  const decoded = decoder.decode(buffer.subarray(start, end));
  recent[slot] = decoded;
  return decoded;
}
