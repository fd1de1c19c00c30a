import * as grpc from "@grpc/grpc-js";
import { PluginCallError } from "../plugin/mod.ts";

/**
 * A gRPC failure of a call made for a client (an HTTP request, a job) to plugin `name`, as the
 * edge understands it: the caller gone, the deadline passed, or the plugin out of reach.
 */
export function grpcCallFailure(
  name: string,
  error: unknown,
  signal?: AbortSignal,
): PluginCallError {
  if (error instanceof PluginCallError) return error;
  if (signal?.aborted) {
    return new PluginCallError("cancelled", `the caller of plugin "${name}" went away`);
  }
  const code = (error as grpc.ServiceError | undefined)?.code;
  const detail = (error as grpc.ServiceError | undefined)?.details ||
    (error as Error | undefined)?.message;
  if (code === grpc.status.DEADLINE_EXCEEDED) {
    return new PluginCallError("timeout", `plugin "${name}" did not answer in time`, {
      cause: error,
    });
  }
  return new PluginCallError("unreachable", `plugin "${name}" could not be reached: ${detail}`, {
    cause: error,
  });
}
