/**
 * The wire protocol shared by the host and plugin processes: the generated stubs of
 * `proto/protocol/*.proto` (one namespace per file) and the conventions around them.
 * @module
 */
export * as ats from "./gen/protocol/atsstore.ts";
export * as domain from "./gen/protocol/domain.ts";
export * as queue from "./gen/protocol/queue.ts";
export * as schedule from "./gen/protocol/schedule.ts";
export * as search from "./gen/protocol/search.ts";
export { CAPABILITIES, type Capability, PROTOCOL_VERSION } from "./capabilities.ts";
export { CHANNEL_OPTIONS, MAX_MESSAGE_BYTES } from "./channel_options.ts";
export {
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
export { callUnary, isUnimplemented, type UnaryMethod } from "./unary.ts";
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
export { concatBytes } from "./bytes.ts";
export { readBoundedBody } from "./bounded_body.ts";
export { fromWireJob, toWireJob } from "./jobs.ts";
export type { StreamedResponse } from "./streamed_response.ts";
export { problemJson, statusTitle } from "./problem_json.ts";
export { encodeEnvelope, type Envelope, parseEnvelope } from "./websocket_envelope.ts";
