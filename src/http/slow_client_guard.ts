import { ThrottledWarning } from "../log/mod.ts";
import type { Logger } from "../plugin/mod.ts";

/** How the guard bounds its clients. */
export interface GuardOptions {
  hostname: string;
  port: number;
  /** Time a new connection has to send its first request's headers. */
  headerTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed. */
  idleTimeoutMs: number;
  /** Largest first request head accepted (431 above). */
  maxHeaderBytes: number;
  /** Connections one client address may hold open at once (429, then closed, beyond). */
  maxConnectionsPerClient: number;
  logger: Logger;
}

/** What the guard turned away, for `/metrics` and the logs. */
export interface GuardStats {
  open: number;
  headerTimeouts: number;
  headersTooLarge: number;
  idleClosed: number;
  /** Connections refused because their client already held `maxConnectionsPerClient`. */
  overQuota: number;
}

interface Link {
  client: Deno.TcpConn;
  server?: Deno.TcpConn;
  lastActive: number;
  closed: boolean;
}

const CHUNK = 64 * 1024;
const encoder = new TextEncoder();

function answer(status: string, extra = ""): Uint8Array {
  return encoder.encode(
    `HTTP/1.1 ${status}\r\nConnection: close\r\n${extra}Content-Length: 0\r\n\r\n`,
  );
}

/** Index of the end of the head (`\r\n\r\n`) in `bytes[0..length)`, searching from `from`. */
function headEnd(bytes: Uint8Array, from: number, length: number): number {
  for (let i = Math.max(3, from); i < length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * A front for `Deno.serve`, which has no header-read timeout and no hook on connections: it
 * accepts each TCP connection (429 and closed when its client already holds
 * `maxConnectionsPerClient`), gives it `headerTimeoutMs` to send its first request head (408 and
 * closed otherwise, 431 when the head is too large), then joins it to the host's server on a loopback port and moves bytes
 * both ways until either side ends or the connection has been idle too long. The server sees
 * the guard's loopback port; {@link clientOf} maps it back to the real client.
 */
export class SlowClientGuard {
  readonly stats: GuardStats = {
    open: 0,
    headerTimeouts: 0,
    headersTooLarge: 0,
    idleClosed: 0,
    overQuota: 0,
  };
  readonly #links = new Set<Link>();
  /** Open connections per client address. */
  readonly #perClient = new Map<string, number>();
  readonly #refusals: ThrottledWarning;
  /** The guard's local port toward the server → the client it speaks for. */
  readonly #clients = new Map<number, Deno.NetAddr>();
  readonly #listener: Deno.TcpListener;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #accepting: Promise<void>;

  constructor(readonly options: GuardOptions, readonly backend: Deno.NetAddr) {
    this.#refusals = new ThrottledWarning(options.logger);
    this.#listener = Deno.listen({ hostname: options.hostname, port: options.port });
    this.#sweeper = setInterval(
      () => this.#sweep(),
      Math.max(100, Math.min(5000, options.idleTimeoutMs / 4)),
    );
    this.#accepting = this.#accept();
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** The client behind a connection the server received from the guard. */
  clientOf(remote: Deno.NetAddr): Deno.NetAddr | undefined {
    return this.#clients.get(remote.port);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#listener.close();
    await this.#accepting;
    for (const link of this.#links) this.#end(link);
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        this.#serve(client).catch((error) =>
          this.options.logger.debug("a guarded connection ended with an error", { error })
        );
      }
    } catch {
      // the listener was closed
    }
  }

  async #serve(client: Deno.TcpConn): Promise<void> {
    const address = client.remoteAddr.hostname;
    const held = this.#perClient.get(address) ?? 0;
    if (held >= this.options.maxConnectionsPerClient) {
      this.stats.overQuota++;
      this.#refusals.warn(
        address,
        `refused a connection from ${address}: it holds ${held} open, the most one client may ` +
          "([server] max_connections_per_client)",
        { client: address, open: held },
      );
      await client.write(answer("429 Too Many Requests", "Retry-After: 5\r\n")).catch(() => {});
      try {
        client.close();
      } catch {
        // already closed
      }
      return;
    }
    this.#perClient.set(address, held + 1);
    const link: Link = { client, lastActive: Date.now(), closed: false };
    this.#links.add(link);
    this.stats.open++;
    const head = new Uint8Array(this.options.maxHeaderBytes);
    let length = 0;
    let end = -1;
    const timer = setTimeout(() => {
      this.stats.headerTimeouts++;
      this.#refusals.warn(
        `head ${address}`,
        `closed a connection from ${address} that did not send its request headers in time`,
        { client: address, timeoutMs: this.options.headerTimeoutMs },
      );
      client.write(answer("408 Request Timeout")).catch(() => {}).finally(() => this.#end(link));
    }, this.options.headerTimeoutMs);
    try {
      while (end < 0) {
        if (length === head.length) {
          this.stats.headersTooLarge++;
          await client.write(answer("431 Request Header Fields Too Large")).catch(() => {});
          return this.#end(link);
        }
        const n = await client.read(head.subarray(length));
        if (n === null) return this.#end(link);
        end = headEnd(head, length - 3, length + n);
        length += n;
      }
    } catch {
      return this.#end(link);
    } finally {
      clearTimeout(timer);
    }
    if (link.closed) return;
    const server = await Deno.connect({
      hostname: this.backend.hostname,
      port: this.backend.port,
    }).catch(() => undefined);
    if (!server) {
      await client.write(answer("503 Service Unavailable")).catch(() => {});
      return this.#end(link);
    }
    server.setNoDelay(true);
    client.setNoDelay(true);
    link.server = server;
    const port = (server.localAddr as Deno.NetAddr).port;
    this.#clients.set(port, client.remoteAddr);
    try {
      await server.write(head.subarray(0, length));
      await Promise.all([this.#pump(link, client, server), this.#pump(link, server, client)]);
    } catch {
      // either side went away
    } finally {
      this.#clients.delete(port);
      this.#end(link);
    }
  }

  /** Moves bytes one way until the source ends, then ends that direction of the other side. */
  async #pump(link: Link, from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(CHUNK);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        link.lastActive = Date.now();
        let written = 0;
        while (written < n) written += await to.write(buffer.subarray(written, n));
      }
    } catch {
      // a reset or a close: the link ends
    }
    try {
      await to.closeWrite();
    } catch {
      this.#end(link);
    }
  }

  #sweep(): void {
    const limit = Date.now() - this.options.idleTimeoutMs;
    for (const link of this.#links) {
      if (link.server && link.lastActive < limit) {
        this.stats.idleClosed++;
        this.#end(link);
      }
    }
  }

  #end(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    this.#links.delete(link);
    this.stats.open--;
    const address = link.client.remoteAddr.hostname;
    const left = (this.#perClient.get(address) ?? 1) - 1;
    if (left > 0) this.#perClient.set(address, left);
    else this.#perClient.delete(address);
    for (const conn of [link.client, link.server]) {
      try {
        conn?.close();
      } catch {
        // already closed
      }
    }
  }
}

/** The front's figures in the Prometheus text format; nothing without a front. */
export function frontMetrics(stats: GuardStats | undefined): string {
  if (!stats) return "";
  return [
    "# HELP qntx_front_open_connections Client connections the slow-client guard holds open.",
    "# TYPE qntx_front_open_connections gauge",
    `qntx_front_open_connections ${stats.open}`,
    "# HELP qntx_front_refused_total Connections the slow-client guard refused or closed, by cause.",
    "# TYPE qntx_front_refused_total counter",
    `qntx_front_refused_total{cause="header_timeout"} ${stats.headerTimeouts}`,
    `qntx_front_refused_total{cause="header_too_large"} ${stats.headersTooLarge}`,
    `qntx_front_refused_total{cause="idle"} ${stats.idleClosed}`,
    `qntx_front_refused_total{cause="per_client_cap"} ${stats.overQuota}`,
  ].join("\n") + "\n";
}
