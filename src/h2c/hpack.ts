/**
 * HPACK (RFC 7541) as a gRPC client needs it: a full decoder for the header blocks servers send
 * (indexed fields, literals with and without indexing, table size updates, Huffman strings,
 * the dynamic table), and an encoder that writes every field as a literal without indexing,
 * so the server's table never holds anything of ours and nothing is kept per connection.
 */
import { huffmanDecode } from "./huffman.ts";

/** RFC 7541, Appendix A: entries 1 to 61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ...[
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
  ].map((name) => [name, name === "accept-encoding" ? "gzip, deflate" : ""] as const),
];

/** Octets an entry counts for in a table's size (RFC 7541, 4.1). */
const ENTRY_OVERHEAD = 32;
/** The table size a decoder starts with, and the most this client allows (SETTINGS 0x1). */
export const HEADER_TABLE_SIZE = 4096;

const latin1 = new TextDecoder("latin1");
const ascii = new TextEncoder();

/** Thrown for a header block that cannot be decoded: the connection cannot go on. */
export class CompressionError extends Error {
  override name = "CompressionError";
}

/**
 * One connection's decoder. Every header block of the connection goes through it in order
 * (even those of streams the client gave up on), or the dynamic table falls out of step.
 */
export class HpackDecoder {
  /** Newest last. */
  #table: [string, string][] = [];
  #tableSize = 0;
  #maxSize = HEADER_TABLE_SIZE;

  /**
   * Decodes `block`, calling `field` for each header in order; at most `maxListSize` octets
   * (names, values and 32 each) are reported, the rest decoded and dropped, and the answer
   * says whether any was.
   */
  decode(
    block: Uint8Array,
    field: (name: string, value: string) => void,
    maxListSize = Infinity,
  ): { truncated: boolean } {
    const reader = { at: 0 };
    let listSize = 0;
    let truncated = false;
    let fieldsSeen = false;
    try {
      while (reader.at < block.length) {
        const first = block[reader.at]!;
        let name: string;
        let value: string;
        if (first & 0x80) {
          [name, value] = this.#entry(integer(block, reader, 7));
        } else if ((first & 0xe0) === 0x20) {
          // A size update may only open a block (RFC 7541, 4.2).
          if (fieldsSeen) throw new CompressionError("HPACK: a table size update after a field");
          const size = integer(block, reader, 5);
          if (size > HEADER_TABLE_SIZE) {
            throw new CompressionError(`HPACK: table size ${size} above ${HEADER_TABLE_SIZE}`);
          }
          this.#maxSize = size;
          this.#evict(0);
          continue;
        } else {
          const indexing = (first & 0xc0) === 0x40;
          const index = integer(block, reader, indexing ? 6 : 4);
          name = index === 0 ? string(block, reader) : this.#entry(index)[0];
          value = string(block, reader);
          if (indexing) this.#add(name, value);
        }
        fieldsSeen = true;
        listSize += name.length + value.length + ENTRY_OVERHEAD;
        if (listSize > maxListSize) truncated = true;
        else field(name, value);
      }
    } catch (error) {
      if (error instanceof CompressionError) throw error;
      throw new CompressionError(`HPACK: ${(error as Error).message}`);
    }
    return { truncated };
  }

  #entry(index: number): readonly [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const entry = this.#table[this.#table.length - 1 - (index - STATIC_TABLE.length - 1)];
    if (index === 0 || !entry) throw new CompressionError(`HPACK: no table entry ${index}`);
    return entry;
  }

  #add(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.#evict(size);
    // An entry larger than the table empties it and is not added (RFC 7541, 4.4).
    if (size > this.#maxSize) return;
    this.#table.push([name, value]);
    this.#tableSize += size;
  }

  /** Evicts the oldest entries until `room` more octets fit. */
  #evict(room: number): void {
    let drop = 0;
    while (this.#tableSize + room > this.#maxSize && drop < this.#table.length) {
      const [name, value] = this.#table[drop++]!;
      this.#tableSize -= name.length + value.length + ENTRY_OVERHEAD;
    }
    if (drop > 0) this.#table.splice(0, drop);
  }
}

/** Reads an integer with an `prefix`-bit prefix (RFC 7541, 5.1), bounded to 2^28. */
function integer(block: Uint8Array, reader: { at: number }, prefix: number): number {
  const mask = (1 << prefix) - 1;
  let value = block[reader.at++]! & mask;
  if (value < mask) return value;
  let shift = 0;
  for (;;) {
    if (reader.at >= block.length) throw new CompressionError("HPACK: an integer is cut short");
    const byte = block[reader.at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 21) throw new CompressionError("HPACK: an integer above 2^28");
  }
  return value;
}

/** Reads a string literal (RFC 7541, 5.2), Huffman-coded or not, as octets in a string. */
function string(block: Uint8Array, reader: { at: number }): string {
  if (reader.at >= block.length) throw new CompressionError("HPACK: a string is missing");
  const huffman = (block[reader.at]! & 0x80) !== 0;
  const length = integer(block, reader, 7);
  const end = reader.at + length;
  if (end > block.length) throw new CompressionError("HPACK: a string runs past its block");
  const bytes = block.subarray(reader.at, end);
  reader.at = end;
  return latin1.decode(huffman ? huffmanDecode(bytes) : bytes);
}

/** Writes header blocks as literals without indexing, never Huffman-coded. */
export class HpackEncoder {
  #bytes: number[] = [];

  /** A field whose name is entry `index` of the static table. */
  indexedName(index: number, value: string): this {
    this.#integer(index, 4, 0x00);
    return this.#string(value);
  }

  /** A field with a name of its own (lower case, as HTTP/2 requires). */
  literal(name: string, value: string): this {
    this.#bytes.push(0x00);
    this.#string(name);
    return this.#string(value);
  }

  /** A whole field from the static table (`:method POST` is 3, `:scheme http` 6). */
  indexed(index: number): this {
    this.#integer(index, 7, 0x80);
    return this;
  }

  /** The block written so far. */
  finish(): Uint8Array {
    return new Uint8Array(this.#bytes);
  }

  #string(value: string): this {
    const bytes = ascii.encode(value);
    this.#integer(bytes.length, 7, 0x00);
    for (const byte of bytes) this.#bytes.push(byte);
    return this;
  }

  #integer(value: number, prefix: number, flags: number): void {
    const mask = (1 << prefix) - 1;
    if (value < mask) {
      this.#bytes.push(flags | value);
      return;
    }
    this.#bytes.push(flags | mask);
    let rest = value - mask;
    while (rest >= 0x80) {
      this.#bytes.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.#bytes.push(rest);
  }
}
