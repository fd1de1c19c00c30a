import type { ChannelRequest, ChannelResponse, ChannelRpc } from "../protocol/wire.ts";

/**
 * The plugin's answer to each unary RPC, whichever transport carries it: the request, and a
 * signal that aborts when the host cancels the call.
 */
export type UnaryRpcs = {
  [K in ChannelRpc]: (
    request: ChannelRequest<K>,
    signal: AbortSignal,
  ) => Promise<ChannelResponse<K>> | ChannelResponse<K>;
};

/** A call refused with a gRPC status (UNIMPLEMENTED, INVALID_ARGUMENT, …) and a reason. */
export class CallFailure extends Error {
  override name = "CallFailure";
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
