const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Every two characters, indexed by the 10 bits they encode: half the lookups of one by one. */
const PAIRS = Array.from(
  { length: 1024 },
  (_, bits) => ALPHABET[bits >> 5]! + ALPHABET[bits & 31]!,
);

/** The time part of the last id: a batch makes many ids in the same millisecond. */
let lastMs = -1;
let lastTime = "";

/**
 * A ULID: 48 bits of Unix milliseconds then 80 random bits, in Crockford base32 (26
 * characters). Ids made later sort later, which keeps new rows at the end of the index.
 * `random` is 10 bytes; by default they come from a pool refilled in bulk.
 */
export function ulid(now = Date.now(), random?: Uint8Array): string {
  if (now !== lastMs) {
    let time = "";
    let ms = now;
    for (let i = 0; i < 10; i++) {
      time = ALPHABET[ms % 32]! + time;
      ms = Math.floor(ms / 32);
    }
    lastMs = now;
    lastTime = time;
  }
  if (random) return lastTime + fortyBits(random, 0) + fortyBits(random, 5);
  // Read the pool in place: a view per id would cost more than the encoding.
  if (used + 10 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(60_000));
    used = 0;
  }
  used += 10;
  return lastTime + fortyBits(pool, used - 10) + fortyBits(pool, used - 5);
}

/** Random bytes come from a pool refilled in bulk: one call to the system per 6 000 ids. */
let pool = new Uint8Array(0);
let used = 0;

/** Eight characters for the five bytes from `at`, most significant bits first. */
function fortyBits(bytes: Uint8Array, at: number): string {
  const high = (bytes[at]! << 12) | (bytes[at + 1]! << 4) | (bytes[at + 2]! >> 4);
  const low = ((bytes[at + 2]! & 15) << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!;
  return PAIRS[high >> 10]! + PAIRS[high & 1023]! + PAIRS[low >> 10]! + PAIRS[low & 1023]!;
}
