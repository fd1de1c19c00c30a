/** The calls of the hot path, made over Deno's own HTTP/2 client (see fetch_unary.ts). */
import { domain, type MessageCodec } from "../protocol/mod.ts";

/** A unary RPC of `DomainPluginService` as `fastCall` makes it: its path and messages. */
export interface FastRpc<Req, Res> {
  path: string;
  request: MessageCodec<Req>;
  response: MessageCodec<Res>;
}

export const HANDLE_HTTP: FastRpc<domain.HTTPRequest, domain.HTTPResponse> = {
  path: "/protocol.DomainPluginService/HandleHTTP",
  request: domain.HTTPRequest,
  response: domain.HTTPResponse,
};

export const EXECUTE_JOB: FastRpc<domain.ExecuteJobRequest, domain.ExecuteJobResponse> = {
  path: "/protocol.DomainPluginService/ExecuteJob",
  request: domain.ExecuteJobRequest,
  response: domain.ExecuteJobResponse,
};
