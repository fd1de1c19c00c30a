/**
 * The wire protocol without gRPC: the messages of `proto/protocol/domain.proto` and the data
 * channel, heads, handshake and conventions. What encodes and decodes only (an SDK plugin on
 * the data channel) imports this, so `@grpc/grpc-js`, most of a plugin's start-up, is not
 * loaded; `mod.ts` adds the gRPC services and the host services' messages (the attestation
 * store, queue, schedules and search: ~190 KB of generated code an SDK plugin loads only with
 * its first call to them).
 * @module
 */
export * as domain from "./gen_messages/protocol/domain.ts";
export { CAPABILITIES, type Capability, PROTOCOL_VERSION } from "./capabilities.ts";
export { CHANNEL_OPTIONS, MAX_MESSAGE_BYTES } from "./channel_options.ts";
export {
  CHANNEL_LINE,
  grpcTarget,
  parseReadyLine,
  type PluginAddress,
  PORT_LINE,
  readyLine,
  SOCKET_LINE,
} from "./handshake.ts";
export {
  closePayload,
  decodeDataFrame,
  encodeDataFrame,
  nowNanos,
  openPayload,
  readClose,
  readClosePayload,
  readOpenPayload,
  WS_CODE,
  WS_OPCODE,
  WS_PATH,
  WS_QUERY,
  WS_REASON,
} from "./websocket_frames.ts";
export {
  fromWireHeaders,
  isHopByHop,
  toProxiedRequestHeaders,
  toWireHeaders,
  withoutHostCredentials,
} from "./http_headers.ts";
export {
  BINARY,
  CallMethod,
  type CallMethodValue,
  encodeFrame,
  END,
  FAILED,
  FRAME_HEADER,
  type FrameHandler,
  FrameParser,
  FrameType,
  type FrameTypeValue,
  INITIAL_WINDOW,
  MAX_DATA,
  MAX_FRAME,
  readWindow,
  windowPayload,
} from "./data_frames.ts";
export { FrameChannel, IncomingBody, OutgoingBody } from "./frame_channel.ts";
export {
  CallStatus,
  CHANNEL_METHODS,
  type ChannelMethod,
  channelMethodById,
  type ChannelRequest,
  type ChannelResponse,
  type ChannelRpc,
} from "./channel_methods.ts";
export {
  ChannelSocket,
  type ChannelSocketEvents,
  type ChannelSocketOptions,
} from "./channel_socket.ts";
export {
  readRequestHead,
  readResponseHead,
  type RequestHead,
  type ResponseHead,
  writeRequestHead,
  writeResponseHead,
} from "./http_head.ts";
export { StreamTable } from "./stream_table.ts";
export { WireReader, WireWriter } from "./wire_bytes.ts";
export { WriteBuffers } from "./write_buffers.ts";
export { concatBytes } from "./bytes.ts";
export { markWholeBody, wholeBodyOf } from "./whole_body.ts";
export { readBoundedBody } from "./bounded_body.ts";
export type { StreamedResponse } from "./streamed_response.ts";
export { problemJson, reasonPhrase, statusTitle } from "./problem_json.ts";
export { encodeEnvelope, type Envelope, parseEnvelope } from "./websocket_envelope.ts";
