/**
 * HPACK's Huffman code (RFC 7541, Appendix B), decoding only: the host sends its header values
 * as plain literals, but servers (grpc-go, h2) encode theirs. The code is canonical, so the
 * bit length of each of the 257 symbols (the 256 octets, then EOS) defines it whole.
 */
// deno-fmt-ignore
const LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7,
  7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21,
  23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24,
  21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];
const EOS = 256;
const MAX_LENGTH = 30;

/** The canonical code's tables: per bit length, its first code and where its symbols start. */
const symbols: number[] = [];
const firstCode = new Array<number>(MAX_LENGTH + 1).fill(0);
const firstIndex = new Array<number>(MAX_LENGTH + 1).fill(0);
const count = new Array<number>(MAX_LENGTH + 1).fill(0);
{
  for (const length of LENGTHS) count[length]!++;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    firstCode[length] = code;
    firstIndex[length] = symbols.length;
    for (let symbol = 0; symbol < LENGTHS.length; symbol++) {
      if (LENGTHS[symbol] === length) symbols.push(symbol);
    }
    code = (code + count[length]!) << 1;
  }
}

/**
 * Decodes a Huffman-coded string literal into octets. Throws a `RangeError` for what RFC 7541
 * calls a decoding error: the EOS symbol inside the string, or padding longer than 7 bits or
 * not made of ones.
 */
export function huffmanDecode(bytes: Uint8Array): Uint8Array {
  // Each symbol is at least 5 bits, so the output is at most 8/5 of the input.
  const out = new Uint8Array(Math.ceil(bytes.length * 8 / 5));
  let written = 0;
  let code = 0;
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      length++;
      const offset = code - firstCode[length]!;
      if (offset >= 0 && offset < count[length]!) {
        const symbol = symbols[firstIndex[length]! + offset]!;
        if (symbol === EOS) throw new RangeError("HPACK: EOS inside a Huffman-coded string");
        out[written++] = symbol;
        code = 0;
        length = 0;
      } else if (length === MAX_LENGTH) {
        throw new RangeError("HPACK: not a Huffman code");
      }
    }
  }
  if (length > 7 || code !== (1 << length) - 1) {
    throw new RangeError("HPACK: a Huffman-coded string ends with bad padding");
  }
  return out.subarray(0, written);
}
