const CHUNK = 64 * 1024;

/** Writes all of `bytes` (a connection's write may take part of them). */
export async function writeFully(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
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
