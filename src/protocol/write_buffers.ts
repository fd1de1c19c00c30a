import { WireWriter } from "./wire_bytes.ts";

/** Write buffers larger than this are dropped after use rather than kept. */
const KEPT_BUFFER = 4 * 1024 * 1024;
const INITIAL = 16 * 1024;

/**
 * Outgoing bytes of one connection, in two buffers: writers append to {@link out} while the
 * other one is being written, so everything gathered during a write leaves in the next one.
 */
export class WriteBuffers {
  out = new WireWriter(INITIAL);
  #spare = new WireWriter(INITIAL);

  /** Writes what `out` holds to `conn` until it stays empty (or `open` turns false). */
  async drainTo(conn: Deno.Conn, open: () => boolean = () => true): Promise<void> {
    while (this.out.length > 0 && open()) {
      const batch = this.out;
      this.out = this.#spare;
      this.#spare = batch;
      const bytes = batch.bytes;
      let written = 0;
      while (written < bytes.byteLength) written += await conn.write(bytes.subarray(written));
      batch.length = 0;
      if (batch.buffer.byteLength > KEPT_BUFFER) this.#spare = new WireWriter(INITIAL);
    }
  }
}
