import { GrpcCallError, GrpcStatus, grpcTimeout } from "./grpc_status.ts";
import { HpackEncoder } from "./hpack.ts";
import { UnaryResponse } from "./unary_response.ts";

/** One unary call on a connection, from its request to the end of its stream. */
export interface UnaryCall {
  /** Its stream id; 0 while it waits for a stream. */
  id: number;
  /** The request's header block (without `grpc-timeout`). */
  block: Uint8Array;
  response: UnaryResponse;
  resolve(bytes: Uint8Array): void;
  reject(error: GrpcCallError): void;
  /** `performance.now()` after which the call is abandoned. */
  deadline: number;
  signal?: AbortSignal;
  /** What the server lets it send now (flow control). */
  sendWindow: number;
  /** The request's bytes (gRPC prefix and message), kept until the answer in case of a retry. */
  request: Uint8Array;
  /** How many of them went out on the current stream. */
  sent: number;
  /** Times a server refused its stream unprocessed (REFUSED_STREAM), each then sent again. */
  refusals: number;
  /** Bytes received since the last WINDOW_UPDATE for the stream. */
  unacknowledged: number;
}

/** A call of `message` (copied, behind its gRPC prefix), and the promise of its answer. */
export function newCall(
  block: Uint8Array,
  message: Uint8Array,
  maxMessageBytes: number,
  deadlineMs: number,
  signal?: AbortSignal,
): { call: UnaryCall; promise: Promise<Uint8Array> } {
  const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
  const request = new Uint8Array(5 + message.length);
  request[1] = message.length >>> 24;
  request[2] = message.length >>> 16;
  request[3] = message.length >>> 8;
  request[4] = message.length;
  request.set(message, 5);
  const call: UnaryCall = {
    id: 0,
    block,
    response: new UnaryResponse(maxMessageBytes),
    resolve,
    reject,
    deadline: performance.now() + deadlineMs,
    signal,
    sendWindow: 0,
    request,
    sent: 0,
    refusals: 0,
    unacknowledged: 0,
  };
  return { call, promise };
}

/** Why `call` ends at `now` (its caller gone or its deadline passed), if it does. */
export function expiry(call: UnaryCall, now: number): GrpcCallError | undefined {
  if (call.signal?.aborted) return new GrpcCallError(GrpcStatus.CANCELLED, "the caller went away");
  if (now >= call.deadline) {
    return new GrpcCallError(GrpcStatus.DEADLINE_EXCEEDED, "the deadline passed");
  }
  return undefined;
}

/** The `grpc-timeout` field as HPACK bytes (a literal without indexing) for `ms` left. */
export function timeoutField(ms: number): Uint8Array {
  return new HpackEncoder().literal("grpc-timeout", grpcTimeout(ms)).finish();
}
