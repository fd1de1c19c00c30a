/**
 * The host's own HTTP/2 client for unary gRPC calls (cleartext, prior knowledge), used where
 * grpc-js costs most: the per-request calls to QNTX programs (`HandleHTTP`, `ExecuteJob`).
 */
export {
  GrpcClient,
  type GrpcClientOptions,
  type GrpcTarget,
  type UnaryMethod,
} from "./grpc_client.ts";
export { GrpcCallError } from "./grpc_status.ts";
