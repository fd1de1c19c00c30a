import { DeadlineError, withDeadline } from "../async/mod.ts";
import { H2Connection } from "./h2_connection.ts";
import { GrpcCallError, GrpcStatus } from "./grpc_status.ts";
import { HpackEncoder } from "./hpack.ts";

/** Where a gRPC server listens: a loopback TCP port or a Unix socket. */
export type GrpcTarget = { kind: "tcp"; port: number } | { kind: "unix"; path: string };

/** One unary method: its path and how its messages are written and read. */
export interface UnaryMethod<Req, Res> {
  /** `/<package>.<Service>/<Method>`. */
  path: string;
  /** The request's protobuf bytes (a view is fine: it is copied before the call returns). */
  encode(request: Req): Uint8Array;
  /** Reads the answer's bytes (the caller's own copy). */
  decode(bytes: Uint8Array): Res;
}

/** Times one call goes out when servers keep sending it back unprocessed. */
const MAX_ATTEMPTS = 3;
/** A TCP connect still pending after this is given up (a server that stopped accepting). */
const CONNECT_TIMEOUT_MS = 10_000;

export interface GrpcClientOptions {
  /** The largest answer accepted (RESOURCE_EXHAUSTED above). */
  maxMessageBytes: number;
  /** Names the server in errors ("plugin \"gonotes\""). */
  label: string;
}

/**
 * The host's client for unary gRPC calls to one server: one HTTP/2 connection, opened on the
 * first call and again after it ends (the server went away, told it to with GOAWAY, or ran out
 * of stream ids). Written for the per-request path, where grpc-js costs most of a call: the
 * header block of each method is built once, a call is two frames, and one timer watches
 * every call's deadline. Failures are {@link GrpcCallError}s.
 */
export class GrpcClient {
  #connection?: H2Connection;
  #connecting?: Promise<H2Connection>;
  #closed = false;
  readonly #blocks = new Map<string, Uint8Array>();

  constructor(readonly target: GrpcTarget, readonly options: GrpcClientOptions) {}

  /**
   * Calls `method` with `request`; resolves with the answer within `deadlineMs` (connecting
   * included). A call the server sent back unprocessed goes again on a new connection.
   */
  async call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    const deadline = performance.now() + deadlineMs;
    const block = this.#blocks.get(method.path) ?? this.#block(method.path);
    for (let attempt = 1;; attempt++) {
      const connection = this.#connection?.usable
        ? this.#connection
        : await this.#connected(deadline - performance.now(), signal);
      try {
        const left = deadline - performance.now();
        return method.decode(await connection.call(block, method.encode(request), left, signal));
      } catch (error) {
        if (!(error instanceof GrpcCallError && error.unsent) || attempt === MAX_ATTEMPTS) {
          throw error;
        }
      }
    }
  }

  /** Closes the connection; calls under way fail, and later ones are refused. */
  close(): void {
    this.#closed = true;
    this.#connection?.close(`the client of ${this.options.label} was closed`);
    this.#connection = undefined;
  }

  /** The connection, waited for within the call's own deadline and signal. */
  async #connected(ms: number, signal?: AbortSignal): Promise<H2Connection> {
    if (ms <= 0) throw new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, "the deadline passed");
    try {
      return await withDeadline(
        `connecting to ${this.options.label}`,
        ms,
        () => this.#connect(),
        signal,
      );
    } catch (error) {
      if (error instanceof GrpcCallError) throw error;
      if (error instanceof DeadlineError) {
        throw new GrpcCallError(
          GrpcStatus.DEADLINE_EXCEEDED,
          `the deadline passed while ${error.what}`,
        );
      }
      throw new GrpcCallError(GrpcStatus.CANCELLED, "the caller went away");
    }
  }

  #connect(): Promise<H2Connection> {
    if (this.#closed) {
      return Promise.reject(
        new GrpcCallError(GrpcStatus.UNAVAILABLE, `the client of ${this.options.label} is closed`),
      );
    }
    return this.#connecting ??= this.#open().finally(() => this.#connecting = undefined);
  }

  async #open(): Promise<H2Connection> {
    const target = this.target;
    let conn: Deno.Conn;
    try {
      if (target.kind === "unix") {
        conn = await Deno.connect({ transport: "unix", path: target.path });
      } else {
        const stalled = new AbortController();
        const timer = setTimeout(() => stalled.abort(), CONNECT_TIMEOUT_MS);
        const tcp = await Deno.connect({
          hostname: "127.0.0.1",
          port: target.port,
          signal: stalled.signal,
        }).finally(() => clearTimeout(timer));
        // Without it a call's HEADERS and DATA can wait for the last call's ACK (Nagle).
        tcp.setNoDelay(true);
        conn = tcp;
      }
    } catch (error) {
      throw new GrpcCallError(
        GrpcStatus.UNAVAILABLE,
        `cannot connect to ${this.options.label}: ${(error as Error).message}`,
      );
    }
    if (this.#closed) {
      conn.close();
      throw new GrpcCallError(
        GrpcStatus.UNAVAILABLE,
        `the client of ${this.options.label} is closed`,
      );
    }
    // A connection told to go away finishes its calls and ends by itself.
    return this.#connection = new H2Connection(conn, this.options.maxMessageBytes);
  }

  /** The method's request headers, all but `grpc-timeout`, which each call adds. */
  #block(path: string): Uint8Array {
    const block = new HpackEncoder()
      .indexed(3) // :method POST
      .indexed(6) // :scheme http
      .indexedName(4, path) // :path
      .indexedName(1, "localhost") // :authority
      .indexedName(31, "application/grpc") // content-type
      .literal("te", "trailers")
      .indexedName(58, "qntx-host") // user-agent
      .finish();
    this.#blocks.set(path, block);
    return block;
  }
}
