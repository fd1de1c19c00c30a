import { ThrottledWarning } from "../log/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { ClientRequest } from "./client_request.ts";
import { ConnReader, latin1 } from "./conn_reader.ts";
import { BodyError, RequestBody } from "./request_body.ts";
import { HeadError, parseRequestHead, type RequestHead, requestUrl } from "./request_head.ts";
import { plainAnswer, writeResponse } from "./response_writer.ts";
import { pump, pumpBothWays } from "./pump.ts";

/** How the front bounds its clients. */
export interface FrontOptions {
  hostname: string;
  port: number;
  /** Time a client has to send each request head, from its first byte (from accept for the first). */
  headerTimeoutMs: number;
  /** A connection with no bytes either way for this long, and no request under way, is closed. */
  idleTimeoutMs: number;
  /** Largest request head accepted (431 above). */
  maxHeaderBytes: number;
  /** Connections one client address may hold open at once (429, then closed, beyond). */
  maxConnectionsPerClient: number;
  logger: Logger;
}

/** What the front turned away, for `/metrics` and the logs. */
export interface FrontStats {
  open: number;
  headerTimeouts: number;
  headersTooLarge: number;
  idleClosed: number;
  /** Connections refused because their client already held `maxConnectionsPerClient`. */
  overQuota: number;
  /** Requests refused for a malformed head or body. */
  badRequests: number;
}

/** A request handler as the front calls it (a `Deno.serve` handler fits). */
export type FrontHandler = (
  request: Request,
  info: { remoteAddr: Deno.NetAddr },
) => Promise<Response>;

interface Link {
  client: Deno.TcpConn;
  address: string;
  /** The host's own server, once a WebSocket handshake was handed to it. */
  server?: Deno.TcpConn;
  lastActive: number;
  /** Since when a head is awaited with part of it received (from accept for the first); 0 if not. */
  headSince: number;
  /** A request is being answered: the idle sweep leaves the connection alone. */
  busy: boolean;
  /** Since when a write to the client is under way; 0 if none. */
  writingSince: number;
  closed: boolean;
}

/** Bodies up to this size are read whole before the handler runs (no stream to build). */
const WHOLE_BODY = 64 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const SWITCHING = /^HTTP\/1\.1 101 $/;

/**
 * The host's HTTP/1.1 server for clients it does not trust to be quick: `Deno.serve` has no
 * deadline for request heads and no hook on connections (denoland/deno#3515), so the front
 * accepts each connection itself (429 and closed when its client already holds
 * `maxConnectionsPerClient`), gives every request head `headerTimeoutMs` (408) and
 * `maxHeaderBytes` (431), closes connections idle for `idleTimeoutMs`, and answers requests
 * with the host's handler in this process: no second hop. Only WebSocket handshakes go on to
 * `Deno.serve` (on `upgrades`, a loopback port), whose WebSocket implementation they need; the
 * connection is then joined to it byte for byte, and {@link clientOf} names the real client.
 */
export class HttpFront {
  readonly stats: FrontStats = {
    open: 0,
    headerTimeouts: 0,
    headersTooLarge: 0,
    idleClosed: 0,
    overQuota: 0,
    badRequests: 0,
  };
  readonly #links = new Set<Link>();
  readonly #perClient = new Map<string, number>();
  readonly #refusals: ThrottledWarning;
  /** The front's local port toward `upgrades` → the client it speaks for. */
  readonly #clients = new Map<number, Deno.NetAddr>();
  readonly #listener: Deno.TcpListener;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #accepting: Promise<void>;
  #closing = false;

  constructor(
    readonly options: FrontOptions,
    readonly handler: FrontHandler,
    readonly upgrades: Deno.NetAddr,
  ) {
    this.#refusals = new ThrottledWarning(options.logger);
    this.#listener = Deno.listen({ hostname: options.hostname, port: options.port });
    const every = Math.min(options.headerTimeoutMs, options.idleTimeoutMs) / 4;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(20, Math.min(1000, every)));
    this.#accepting = this.#accept();
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** The client behind a connection `upgrades` received from the front. */
  clientOf(remote: Deno.NetAddr): Deno.NetAddr | undefined {
    return this.#clients.get(remote.port);
  }

  /** Stops accepting, lets requests under way finish (up to `graceMs`), then closes the rest. */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweeper);
    this.#listener.close();
    await this.#accepting;
    const deadline = Date.now() + graceMs;
    for (;;) {
      for (const link of this.#links) if (!link.busy || Date.now() >= deadline) this.#end(link);
      if (this.#links.size === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) this.#admit(client);
    } catch {
      // the listener was closed
    }
  }

  #admit(client: Deno.TcpConn): void {
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
      client.write(plainAnswer(429, "too many connections", "retry-after: 5\r\n"))
        .catch(() => {}).finally(() => closeQuietly(client));
      return;
    }
    this.#perClient.set(address, held + 1);
    client.setNoDelay(true);
    const now = Date.now();
    const link: Link = {
      client,
      address,
      lastActive: now,
      headSince: now,
      busy: false,
      writingSince: 0,
      closed: false,
    };
    this.#links.add(link);
    this.stats.open++;
    this.#serve(link).catch((error) => {
      this.options.logger.debug("a client connection ended with an error", { error });
    }).finally(() => this.#end(link));
  }

  async #serve(link: Link): Promise<void> {
    const reader = new ConnReader({
      read: async (into) => {
        const n = await link.client.read(into);
        link.lastActive = Date.now();
        return n;
      },
    }, this.options.maxHeaderBytes);
    const sink = { write: (bytes: Uint8Array) => this.#write(link, bytes) };
    while (!link.closed) {
      reader.skipEmptyLines();
      let end = reader.headEnd();
      while (end < 0) {
        if (reader.length >= this.options.maxHeaderBytes) {
          this.stats.headersTooLarge++;
          return await this.#refuse(link, 431, `a request head over ${reader.length} bytes`);
        }
        if (!await reader.fill()) return;
        if (link.headSince === 0) link.headSince = Date.now();
        reader.skipEmptyLines();
        end = reader.headEnd();
      }
      link.headSince = 0;
      let head: RequestHead;
      let url: URL;
      try {
        head = parseRequestHead(latin1(reader.view(end - 4)));
        url = requestUrl(head, this.#authority());
      } catch (error) {
        if (!(error instanceof HeadError)) throw error;
        this.stats.badRequests++;
        return await this.#refuse(link, error.status, error.message);
      }
      if (head.webSocket) return await this.#handOff(link, reader, end);
      reader.skip(end);
      if (!await this.#exchange(link, reader, sink, head, url)) return;
    }
  }

  /** Answers one request; true when the connection may carry the next. */
  async #exchange(
    link: Link,
    reader: ConnReader,
    sink: { write(bytes: Uint8Array): Promise<number> },
    head: RequestHead,
    url: URL,
  ): Promise<boolean> {
    link.busy = true;
    try {
      const bodyless = head.method === "GET" || head.method === "HEAD";
      const body = head.bodyLength === 0 ? undefined : new RequestBody(
        reader,
        head.bodyLength,
        head.expectContinue ? () => sink.write(CONTINUE).then(() => {}) : undefined,
      );
      let request: ClientRequest;
      try {
        request = new ClientRequest(url, {
          method: head.method,
          headers: head.headers,
          body: !body || bodyless
            ? undefined
            : head.bodyLength > 0 && head.bodyLength <= WHOLE_BODY
            ? await body.readAll(WHOLE_BODY)
            : body.stream(),
        });
      } catch (error) {
        if (!(error instanceof BodyError) && !(error instanceof TypeError)) throw error;
        this.stats.badRequests++;
        if (reader.ended) return false;
        await this.#refuse(link, 400, (error as Error).message);
        return false;
      }
      if (!body && reader.length === 0) this.#watchForLeaving(reader, request);
      let response: Response;
      try {
        response = await this.handler(request, { remoteAddr: link.client.remoteAddr });
      } catch (error) {
        this.options.logger.error(`${head.method} ${url.pathname} failed`, { error });
        response = new Response("internal error\n", { status: 500 });
      }
      const keepAlive = head.keepAlive && !this.#closing && (body?.finished ?? true);
      const whole = await writeResponse(sink, response, {
        head: head.method === "HEAD",
        http10: head.minor === 0,
        close: !keepAlive,
      });
      return keepAlive && whole;
    } finally {
      link.busy = false;
    }
  }

  /** While the handler runs, the next read brings either the next request or the client's end. */
  #watchForLeaving(reader: ConnReader, request: ClientRequest): void {
    reader.fill().then(
      (more) => more || request.clientLeft(new Error("the client closed the connection")),
      () => request.clientLeft(new Error("the client connection failed")),
    );
  }

  /**
   * Hands a WebSocket handshake to the host's own server. Once it switches protocols the two
   * connections are joined byte for byte; any other answer is the connection's last (the
   * client's further bytes never reach a server without head deadlines).
   */
  async #handOff(link: Link, reader: ConnReader, headLength: number): Promise<void> {
    const server = await Deno.connect({
      hostname: this.upgrades.hostname,
      port: this.upgrades.port,
    }).catch(() => undefined);
    if (!server) return await this.#refuse(link, 503, "the host's server is not reachable");
    server.setNoDelay(true);
    link.server = server;
    const port = (server.localAddr as Deno.NetAddr).port;
    this.#clients.set(port, link.client.remoteAddr);
    const active = () => link.lastActive = Date.now();
    try {
      await server.write(reader.take(headLength));
      const answer = await statusLine(server);
      await this.#write(link, answer);
      if (!SWITCHING.test(latin1(answer.subarray(0, 13)))) {
        await server.closeWrite();
        return await pump(server, link.client, active);
      }
      if (reader.length > 0) await server.write(reader.take(reader.length));
      await pumpBothWays(link.client, server, active);
    } catch {
      // either side went away
    } finally {
      this.#clients.delete(port);
    }
  }

  async #write(link: Link, bytes: Uint8Array): Promise<number> {
    link.writingSince = Date.now();
    try {
      return await link.client.write(bytes);
    } finally {
      link.lastActive = Date.now();
      link.writingSince = 0;
    }
  }

  /** Answers a request the front will not pass on, logs it (once a minute per client), closes. */
  async #refuse(link: Link, status: number, reason: string): Promise<void> {
    this.#refusals.warn(
      `${status} ${link.address}`,
      `refused a request from ${link.address} with ${status}: ${reason}`,
      { client: link.address, status },
    );
    await this.#write(link, plainAnswer(status, reason)).catch(() => {});
    this.#end(link);
  }

  #sweep(): void {
    const now = Date.now();
    const { headerTimeoutMs, idleTimeoutMs } = this.options;
    for (const link of this.#links) {
      if (link.headSince > 0 && now - link.headSince >= headerTimeoutMs) {
        this.stats.headerTimeouts++;
        this.#refusals.warn(
          `head ${link.address}`,
          `closed a connection from ${link.address} that did not send its request headers in time`,
          { client: link.address, timeoutMs: headerTimeoutMs },
        );
        link.headSince = 0;
        link.client.write(plainAnswer(408, "the request headers took too long"))
          .catch(() => {}).finally(() => this.#end(link));
      } else if (
        link.writingSince > 0
          ? now - link.writingSince >= idleTimeoutMs
          : !link.busy && link.headSince === 0 && now - link.lastActive >= idleTimeoutMs
      ) {
        this.stats.idleClosed++;
        this.#end(link);
      }
    }
  }

  /** The name requests without `Host` (HTTP/1.0) are taken to be for. */
  #authority(): string {
    const { hostname, port } = this.#listener.addr;
    return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  }

  #end(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    this.#links.delete(link);
    this.stats.open--;
    const left = (this.#perClient.get(link.address) ?? 1) - 1;
    if (left > 0) this.#perClient.set(link.address, left);
    else this.#perClient.delete(link.address);
    closeQuietly(link.client);
    if (link.server) closeQuietly(link.server);
  }
}

/** The first bytes a server answers, at least a status line's first 13 (less if it closes). */
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

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
