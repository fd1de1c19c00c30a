const CHUNK = 64 * 1024;

/** Writes all of `bytes` (a connection's write may take part of them). */
export async function writeFully(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/**
 * Moves bytes between two connections until both directions have ended (a side that ends its
 * writing has the other side's writing ended too) or either fails. `onActive` is called as
 * bytes move, for the idle sweep.
 */
export async function pumpBothWays(
  a: Deno.TcpConn,
  b: Deno.TcpConn,
  onActive: () => void,
): Promise<void> {
  await Promise.all([pump(a, b, onActive), pump(b, a, onActive)]);
}

/** Moves bytes one way until `from` ends, then ends `to`'s writing. */
export async function pump(
  from: Deno.TcpConn,
  to: Deno.TcpConn,
  onActive: () => void,
): Promise<void> {
  const buffer = new Uint8Array(CHUNK);
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      onActive();
      await writeFully(to, buffer.subarray(0, n));
    }
  } catch {
    // a reset or a close: this direction ends
  }
  try {
    await to.closeWrite();
  } catch {
    // already closed
  }
}
