import { ThrottledWarning } from "../log/mod.ts";
import { makeRoom } from "./capacity.ts";
import { LazySignalRequest } from "./lazy_signal_request.ts";
import { clientKey, ClientSlots } from "./client_slots.ts";
import {
  type FrontHandler,
  type FrontOptions,
  type FrontStats,
  type Link,
  overdue,
} from "./front_link.ts";
import { ConnReader, latin1 } from "./conn_reader.ts";
import { writeFully } from "./pump.ts";
import { BodyError, RequestBody } from "./request_body.ts";
import { HeadError, parseRequestHead, type RequestHead, requestUrl } from "./request_head.ts";
import { plainAnswer, writeResponse } from "./response_writer.ts";
import { handOffWebSocket } from "./websocket_handoff.ts";

/** Bodies up to this size are read whole before the handler runs (no stream to build). */
const WHOLE_BODY = 64 * 1024;
const CONTINUE = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
/** How long accepting pauses after the system refused a connection (no descriptors left). */
const ACCEPT_BACKOFF_MS = 50;

/**
 * The host's HTTP/1.1 server for clients it does not trust to be quick: `Deno.serve` has no
 * deadline for request heads and no hook on connections (denoland/deno#3515), so the front
 * accepts each connection itself (429 and closed when its client already holds
 * `maxConnectionsPerClient`; at `maxConnections` in all, see {@link makeRoom}), gives every request head `headerTimeoutMs` (408) and
 * `maxHeaderBytes` (431), closes connections idle for `idleTimeoutMs` (between requests, while
 * a body is awaited, or while a write is stuck), and answers requests with the host's handler in
 * this process: no second hop. Only WebSocket handshakes go on to `Deno.serve` (on `upgrades`,
 * a loopback port), for its WebSocket implementation; {@link clientOf} names their real client.
 */
export class HttpFront {
  readonly stats: FrontStats = {
    open: 0,
    headerTimeouts: 0,
    headersTooLarge: 0,
    idleClosed: 0,
    overQuota: 0,
    badRequests: 0,
    atCapacity: 0,
  };
  readonly #links = new Set<Link>();
  readonly #slots: ClientSlots;
  readonly #refusals: ThrottledWarning;
  /** The front's local port toward `upgrades` → the client it speaks for. */
  readonly #clients = new Map<string, Deno.NetAddr>();
  readonly #listener: Deno.TcpListener;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #accepting: Promise<void>;
  /** The name requests without `Host` (HTTP/1.0) are taken to be for. */
  readonly #authority: string;
  #closing = false;

  constructor(
    readonly options: FrontOptions,
    readonly handler: FrontHandler,
    readonly upgrades: Deno.NetAddr,
  ) {
    this.#refusals = new ThrottledWarning(options.logger);
    this.#slots = new ClientSlots(options.maxConnectionsPerClient);
    this.#listener = Deno.listen({ hostname: options.hostname, port: options.port });
    const { hostname, port } = this.#listener.addr;
    this.#authority = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
    const every = Math.min(options.headerTimeoutMs, options.idleTimeoutMs) / 4;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(20, Math.min(1000, every)));
    this.#accepting = this.#accept();
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** The client behind a connection `upgrades` received from the front. */
  clientOf(remote: Deno.NetAddr): Deno.NetAddr | undefined {
    return this.#clients.get(`${remote.hostname}:${remote.port}`);
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

  /**
   * Accepts until the front closes. A connection reset before it was accepted, or no
   * descriptors left, fails one accept, not the listener: logged (once a minute), then on.
   */
  async #accept(): Promise<void> {
    while (!this.#closing) {
      let client: Deno.TcpConn;
      try {
        client = await this.#listener.accept();
      } catch (error) {
        if (this.#closing || error instanceof Deno.errors.BadResource) return;
        this.#refusals.warn("accept", `accepting a connection failed: ${error}`, {
          error: String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_BACKOFF_MS));
        continue;
      }
      try {
        this.#admit(client);
      } catch (error) {
        this.options.logger.debug("a connection failed as it was accepted", { error });
        closeQuietly(client);
      }
    }
  }

  #admit(client: Deno.TcpConn): void {
    const address = client.remoteAddr.hostname;
    if (!this.#slots.take(address)) {
      this.stats.overQuota++;
      this.#refusals.warn(
        clientKey(address),
        `refused a connection from ${address}: it holds ${this.#slots.held(address)} open, the ` +
          "most one client may ([server] max_connections_per_client)",
        { client: address, open: this.#slots.held(address) },
      );
      return turnAway(client, 429, "too many connections");
    }
    const max = this.options.maxConnections;
    const room = makeRoom(this.#links, max, (idle) => this.#end(idle));
    if (room !== "room") {
      this.stats.atCapacity++;
      this.#refusals.warn(
        "capacity",
        `the front holds ${max} connections, its most ([server] max_connections): ` +
          (room === "full" ? `refused one from ${address} (503)` : "closed the one idle longest"),
        { client: address, max },
      );
    }
    if (room === "full") {
      this.#slots.release(address);
      return turnAway(client, 503, "the host holds all the connections it may");
    }
    const now = Date.now();
    const link: Link = {
      client,
      address,
      lastActive: now,
      headSince: now,
      busy: false,
      bodyWaitSince: 0,
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
    link.client.setNoDelay(true);
    const reader = new ConnReader({
      read: async (into) => {
        try {
          return await link.client.read(into);
        } finally {
          link.lastActive = Date.now();
        }
      },
    }, this.options.maxHeaderBytes);
    const sink = { write: (bytes: Uint8Array) => this.#write(link, bytes) };
    while (!link.closed) {
      reader.skipEmptyLines();
      let end = reader.headEnd();
      while (end < 0) {
        // A head partly in (sent behind the previous request) is on the clock already.
        if (link.headSince === 0 && reader.length > 0) link.headSince = Date.now();
        if (reader.length >= this.options.maxHeaderBytes) {
          this.stats.headersTooLarge++;
          return await this.#refuse(link, 431, `a request head over ${reader.length} bytes`);
        }
        if (!await reader.fill()) return;
        if (link.headSince === 0) link.headSince = Date.now();
        reader.skipEmptyLines();
        end = reader.headEnd();
      }
      if (link.closed) return; // answered 408 as the head came in
      link.headSince = 0;
      let head: RequestHead;
      let url: URL;
      try {
        head = parseRequestHead(latin1(reader.view(end - 4)));
        url = requestUrl(head, this.#authority);
        // Every WebSocket handshake goes on, or none: the app must never upgrade a request the
        // front would go on reading as HTTP.
        if (head.webSocket && (head.method !== "GET" || head.bodyLength !== 0)) {
          throw new HeadError(400, "a WebSocket handshake is a GET without a body");
        }
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
    let answering = false;
    let continued: Promise<unknown> | undefined;
    try {
      const body = head.bodyLength === 0 ? undefined : new RequestBody(reader, head.bodyLength, {
        // Only until the answer starts: a 100 must not land inside it (RFC 9110 §10.1.1).
        beforeFirstRead: head.expectContinue
          ? () => answering ? Promise.resolve() : (continued = sink.write(CONTINUE)).then(() => {})
          : undefined,
        // The body's wait for the client is what the idle rule times (a read under way may
        // have been started by another request's watch).
        waiting: (waiting) => link.bodyWaitSince = waiting ? Date.now() : 0,
        onEnd: (error) => {
          if (error && (reader.ended || !(error instanceof BodyError))) link.request?.abort(error);
          else if (!error) this.#watchForLeaving(link, reader);
        },
      });
      let request: LazySignalRequest;
      try {
        const bodyless = head.method === "GET" || head.method === "HEAD";
        request = new LazySignalRequest(url, {
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
        if (reader.ended) return false;
        this.stats.badRequests++;
        await this.#refuse(link, 400, (error as Error).message);
        return false;
      }
      link.request = request;
      if (reader.ended) request.abort(new Error("the client closed the connection"));
      else if (!body || body.finished) this.#watchForLeaving(link, reader);
      let response: Response;
      try {
        response = await this.handler(request, { remoteAddr: link.client.remoteAddr });
      } catch (error) {
        this.options.logger.error(`${head.method} ${url.pathname} failed`, { error });
        response = new Response("internal error\n", { status: 500 });
      }
      if (response.status < 200 || response.status > 599) {
        this.options.logger.error(
          `${head.method} ${url.pathname} was answered with status ${response.status}, which ` +
            "the front cannot send (a WebSocket upgrade is served by Deno's server alone)",
        );
        response = new Response("internal error\n", { status: 500 });
      }
      answering = true;
      await continued;
      const keepAlive = head.keepAlive && !this.#closing && (body?.finished ?? true);
      const whole = await writeResponse(sink, response, {
        head: head.method === "HEAD",
        http10: head.minor === 0,
        close: !keepAlive,
      });
      return keepAlive && whole;
    } finally {
      link.busy = false;
      link.request = undefined;
    }
  }

  /**
   * While a handler runs, the next read brings the next request or the client's end, which
   * aborts the request under way then (a read started for one request may end during the next).
   * Not when the buffer is nearly full of requests sent ahead: that read would have no room.
   */
  #watchForLeaving(link: Link, reader: ConnReader): void {
    if (reader.filling || reader.length > this.options.maxHeaderBytes / 2) return;
    reader.fill().then(
      (more) => {
        if (!more) link.request?.abort(new Error("the client closed the connection"));
        else if (link.request && !link.closed) this.#watchForLeaving(link, reader);
      },
      () => link.request?.abort(new Error("the client connection failed")),
    );
  }

  async #handOff(link: Link, reader: ConnReader, headLength: number): Promise<void> {
    link.upgrading = true;
    let key = "";
    const reached = await handOffWebSocket(
      {
        client: link.client,
        open: () => !link.closed,
        joined: (server) => {
          link.server = server;
          const local = server.localAddr as Deno.NetAddr;
          key = `${local.hostname}:${local.port}`;
          this.#clients.set(key, link.client.remoteAddr);
        },
        active: () => link.lastActive = Date.now(),
      },
      reader,
      headLength,
      this.upgrades,
    ).finally(() => this.#clients.delete(key));
    if (!reached) await this.#refuse(link, 503, "the host's server is not reachable");
  }

  /** Writes all of `bytes` to the client; the sweep closes a write stuck for the idle time. */
  async #write(link: Link, bytes: Uint8Array): Promise<number> {
    link.writingSince = Date.now();
    try {
      await writeFully(link.client, bytes);
      return bytes.length;
    } finally {
      link.lastActive = Date.now();
      link.writingSince = 0;
    }
  }

  /** Answers a request the front will not pass on, logs it (once a minute per client), closes. */
  async #refuse(link: Link, status: number, reason: string): Promise<void> {
    this.#refusals.warn(
      `${status} ${clientKey(link.address)}`,
      `refused a request from ${link.address} with ${status}: ${reason}`,
      { client: link.address, status },
    );
    await this.#write(link, plainAnswer(status, reason)).catch(() => {});
    this.#end(link);
  }

  #sweep(): void {
    const now = Date.now();
    for (const link of this.#links) {
      const why = overdue(link, now, this.options);
      if (why === "head") {
        this.stats.headerTimeouts++;
        this.#refusals.warn(
          `head ${clientKey(link.address)}`,
          `closed a connection from ${link.address} that did not send its request headers in time`,
          { client: link.address, timeoutMs: this.options.headerTimeoutMs },
        );
        link.headSince = 0;
        this.#write(link, plainAnswer(408, "the request headers took too long"))
          .catch(() => {}).finally(() => this.#end(link));
      } else if (why === "idle") {
        this.stats.idleClosed++;
        this.#end(link);
      }
    }
  }

  #end(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    link.request?.abort(new Error("the front closed the client's connection"));
    this.#links.delete(link);
    this.stats.open--;
    this.#slots.release(link.address);
    closeQuietly(link.client);
    if (link.server) closeQuietly(link.server);
  }
}

/** Answers a connection the front does not take, and closes it. */
function turnAway(client: Deno.Conn, status: number, reason: string): void {
  writeFully(client, plainAnswer(status, reason, "retry-after: 5\r\n"))
    .catch(() => {}).finally(() => closeQuietly(client));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
