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

  /** Calls `method` with `request`; resolves with the answer within `deadlineMs`. */
  async call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    const connection = this.#connection?.usable ? this.#connection : await this.#connect();
    const block = this.#blocks.get(method.path) ?? this.#block(method.path);
    return method.decode(await connection.call(block, method.encode(request), deadlineMs, signal));
  }

  /** Closes the connection; calls under way fail, and later ones are refused. */
  close(): void {
    this.#closed = true;
    this.#connection?.close(`the client of ${this.options.label} was closed`);
    this.#connection = undefined;
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
        const tcp = await Deno.connect({ hostname: "127.0.0.1", port: target.port });
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
