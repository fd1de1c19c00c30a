import { type ConnReader, latin1 } from "./conn_reader.ts";
import { pump, writeFully } from "./pump.ts";

const SWITCHING = /^HTTP\/1\.1 101 $/;

/** What a hand-off needs of the connection it takes over. */
export interface HandOffLink {
  client: Deno.TcpConn;
  /** False once the front has ended the connection. */
  open(): boolean;
  /** Notes the server connection (closed with the client's) and the client it speaks for. */
  joined(server: Deno.TcpConn): void;
  /** Bytes moved: the connection is not idle. */
  active(): void;
}

/**
 * Hands a WebSocket handshake (`headLength` bytes at the front of `reader`) to the server at
 * `upgrades`. The handshake's bytes go alone; only once the server switches protocols are the
 * two connections joined byte for byte. Any other answer is the connection's last: the
 * client's further bytes never reach a server without head deadlines. False when the server
 * could not be reached.
 */
export async function handOffWebSocket(
  link: HandOffLink,
  reader: ConnReader,
  headLength: number,
  upgrades: Deno.NetAddr,
): Promise<boolean> {
  const server = await Deno.connect({ hostname: upgrades.hostname, port: upgrades.port })
    .catch(() => undefined);
  if (!server) return false;
  if (!link.open()) {
    server.close();
    return true;
  }
  server.setNoDelay(true);
  link.joined(server);
  try {
    await writeFully(server, reader.take(headLength));
    const answer = await statusLine(server);
    await writeFully(link.client, answer);
    link.active();
    if (!SWITCHING.test(latin1(answer.subarray(0, 13)))) {
      await server.closeWrite();
      await pump(server, link.client, link.active);
      return true;
    }
    // The client's side goes on through its reader: a read may be under way there already.
    await Promise.all([
      forward(reader, server, link.active),
      pump(server, link.client, link.active),
    ]);
  } catch {
    // either side went away
  }
  return true;
}

/** The first bytes a server answers, at least a status line's first 13 (fewer if it closes). */
async function statusLine(server: Deno.Conn): Promise<Uint8Array> {
  const buffer = new Uint8Array(16 * 1024);
  let length = 0;
  while (length < 13) {
    const n = await server.read(buffer.subarray(length));
    if (n === null) break;
    length += n;
  }
  return buffer.subarray(0, length);
}

/** Moves what the client sends, through its reader, to the server until the client ends. */
async function forward(reader: ConnReader, to: Deno.TcpConn, onActive: () => void): Promise<void> {
  try {
    for (;;) {
      if (reader.length > 0) {
        await writeFully(to, reader.take(reader.length));
        onActive();
      }
      if (!await reader.fill()) break;
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
