import * as grpc from "@grpc/grpc-js";

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

/** A unary method of a generated client, as grpc-js types it (bound to its client). */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: Callback<Res>,
) => grpc.ClientUnaryCall;

/**
 * Calls a unary RPC as a promise, with a deadline; `signal` cancels the call. Both the host and
 * the SDK use it, so every call made on either side has a deadline.
 */
export function callUnary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const call = method(
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error, response) => {
        signal?.removeEventListener("abort", cancel);
        if (error) reject(error);
        else resolve(response);
      },
    );
    const cancel = () => call.cancel();
    signal?.addEventListener("abort", cancel, { once: true });
  });
}

/** Whether a gRPC error says the method does not exist on the other side. */
export function isUnimplemented(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED;
}
