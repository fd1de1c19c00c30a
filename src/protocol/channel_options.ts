/**
 * gRPC channel and server options both sides use. Messages are capped well above grpc-js's
 * 4 MiB default so a body that the host accepted (its `body_limit`) also crosses the wire;
 * larger payloads stream.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
} as const;
