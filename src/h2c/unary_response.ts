import { decodeGrpcMessage, GrpcCallError, GrpcStatus, statusOfHttp } from "./grpc_status.ts";

/** The gRPC message prefix: a compressed flag and a big-endian length. */
const PREFIX = 5;
/** The message buffer starts at most this large and grows as bytes come (a prefix is cheap). */
const FIRST_BUFFER = 64 * 1024;

/**
 * What one unary call's stream brings back, checked as it arrives: response headers (`:status`
 * 200, a gRPC content type), exactly one uncompressed message no larger than the limit, then
 * trailers with `grpc-status` (or the headers alone, "trailers-only", for an error). Pure: the
 * connection feeds it header fields and DATA payloads and asks for the outcome at END_STREAM.
 */
export class UnaryResponse {
  #blocks = 0;
  #httpStatus = "";
  #contentType = "";
  #grpcStatus = "";
  #grpcMessage = "";
  #prefix = new Uint8Array(PREFIX);
  #prefixFilled = 0;
  #message?: Uint8Array;
  /** The message's length, from its prefix. */
  #length = 0;
  #filled = 0;
  #failure?: GrpcCallError;

  constructor(readonly maxMessageBytes: number) {}

  /** A header field of the block under way (see {@link headersEnd}). */
  readonly field = (name: string, value: string): void => {
    if (this.#blocks === 0) {
      if (name === ":status") this.#httpStatus = value;
      else if (name === "content-type") this.#contentType = value;
    }
    if (name === "grpc-status") this.#grpcStatus = value;
    else if (name === "grpc-message") this.#grpcMessage = value;
  };

  /**
   * A header block ended; `endStream` when it also ends the stream. Returns the failure that
   * makes the rest of the stream pointless, if any.
   */
  headersEnd(endStream: boolean): GrpcCallError | undefined {
    this.#blocks++;
    if (this.#failure) return this.#failure;
    if (this.#blocks === 1) {
      if (this.#httpStatus !== "200") {
        return this.#fail(
          statusOfHttp(Number(this.#httpStatus)),
          `the server answered HTTP ${this.#httpStatus || "without a status"}`,
        );
      }
      if (!/^application\/grpc(?:$|[+;])/.test(this.#contentType)) {
        return this.#fail(
          GrpcStatus.UNKNOWN,
          `the server answered with content type "${this.#contentType}", not gRPC`,
        );
      }
    } else if (!endStream) {
      return this.#fail(GrpcStatus.INTERNAL, "the server sent headers after its trailers");
    }
    return undefined;
  }

  /** A DATA payload (a view, copied). */
  data(payload: Uint8Array): GrpcCallError | undefined {
    if (this.#failure) return this.#failure;
    if (this.#blocks !== 1) {
      return this.#fail(GrpcStatus.INTERNAL, "the server sent data outside its headers");
    }
    let at = 0;
    while (at < payload.length) {
      if (this.#message && this.#filled === this.#length) {
        return this.#fail(GrpcStatus.INTERNAL, "the server sent two messages to a unary call");
      }
      if (!this.#message) {
        const take = Math.min(PREFIX - this.#prefixFilled, payload.length - at);
        this.#prefix.set(payload.subarray(at, at + take), this.#prefixFilled);
        this.#prefixFilled += take;
        at += take;
        if (this.#prefixFilled < PREFIX) break;
        const failure = this.#open();
        if (failure) return failure;
        continue;
      }
      const take = Math.min(this.#length - this.#filled, payload.length - at);
      this.#room(this.#filled + take).set(payload.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
    }
    return undefined;
  }

  /** The stream ended: the answer, or why there is none. */
  finish(): Uint8Array | GrpcCallError {
    if (this.#failure) return this.#failure;
    if (this.#blocks === 0) {
      return this.#fail(GrpcStatus.INTERNAL, "the server ended the call without headers");
    }
    if (this.#grpcStatus === "") {
      return this.#fail(GrpcStatus.INTERNAL, "the server ended the call without a grpc-status");
    }
    const status = Number(this.#grpcStatus);
    if (!Number.isInteger(status) || status < 0) {
      return this.#fail(GrpcStatus.UNKNOWN, `the server sent grpc-status "${this.#grpcStatus}"`);
    }
    if (status !== GrpcStatus.OK) {
      return this.#fail(status, decodeGrpcMessage(this.#grpcMessage) || `status ${status}`);
    }
    if (!this.#message || this.#filled < this.#length || this.#prefixFilled < PREFIX) {
      return this.#fail(GrpcStatus.INTERNAL, "the server sent no whole message to a unary call");
    }
    return this.#message.subarray(0, this.#length);
  }

  /** The message buffer, grown (doubling, up to the message's length) to hold `size` bytes. */
  #room(size: number): Uint8Array {
    const message = this.#message!;
    if (size <= message.length) return message;
    const grown = new Uint8Array(Math.min(this.#length, Math.max(size, message.length * 2)));
    grown.set(message.subarray(0, this.#filled));
    return this.#message = grown;
  }

  #open(): GrpcCallError | undefined {
    const prefix = this.#prefix;
    if (prefix[0] !== 0) {
      return this.#fail(GrpcStatus.INTERNAL, "the server compressed a message unasked");
    }
    const length = ((prefix[1]! << 24) >>> 0) + (prefix[2]! << 16) + (prefix[3]! << 8) +
      prefix[4]!;
    if (length > this.maxMessageBytes) {
      return this.#fail(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `the server's message of ${length} bytes is above the limit of ${this.maxMessageBytes}`,
      );
    }
    this.#length = length;
    this.#message = new Uint8Array(Math.min(length, FIRST_BUFFER));
    return undefined;
  }

  #fail(code: number, details: string): GrpcCallError {
    return this.#failure ??= new GrpcCallError(code, details);
  }
}
