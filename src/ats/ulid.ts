const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID: 48 bits of Unix milliseconds then 80 random bits, in Crockford base32 (26
 * characters). Ids made later sort later, which keeps new rows at the end of the index.
 */
export function ulid(
  now = Date.now(),
  random: Uint8Array = randomBytes(),
): string {
  let time = "";
  let ms = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[ms % 32]! + time;
    ms = Math.floor(ms / 32);
  }
  let bits = 0;
  let value = 0;
  let rest = "";
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rest += ALPHABET[(value >> bits) & 31]!;
    }
  }
  return time + rest;
}

/** Random bytes come from a pool refilled in bulk: one call to the system per 6 000 ids. */
let pool = new Uint8Array(0);
let used = 0;

function randomBytes(): Uint8Array {
  if (used + 10 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(60_000));
    used = 0;
  }
  used += 10;
  return pool.subarray(used - 10, used);
}
