import * as domain from "./gen_messages/protocol/domain.ts";
import { CallMethod, type CallMethodValue } from "./data_frames.ts";

/** Encodes and decodes one protobuf message. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** One RPC of `DomainPluginService` as a data-channel call. */
export interface ChannelMethod<Req, Res> {
  id: CallMethodValue;
  request: Codec<Req>;
  response: Codec<Res>;
}

const method = <Req, Res>(
  id: CallMethodValue,
  request: Codec<Req>,
  response: Codec<Res>,
): ChannelMethod<Req, Res> => ({ id, request, response });

/**
 * The RPCs a plugin that serves its control on the data channel (ready line
 * `QNTX_PLUGIN_CHANNEL=`) answers there, by their gRPC names; the messages are the same.
 */
export const CHANNEL_METHODS = {
  metadata: method(CallMethod.METADATA, domain.Empty, domain.MetadataResponse),
  configSchema: method(CallMethod.CONFIG_SCHEMA, domain.Empty, domain.ConfigSchemaResponse),
  initialize: method(CallMethod.INITIALIZE, domain.InitializeRequest, domain.InitializeResponse),
  health: method(CallMethod.HEALTH, domain.Empty, domain.HealthResponse),
  shutdown: method(CallMethod.SHUTDOWN, domain.Empty, domain.Empty),
  pause: method(CallMethod.PAUSE, domain.Empty, domain.Empty),
  resume: method(CallMethod.RESUME, domain.Empty, domain.Empty),
  registerGlyphs: method(CallMethod.REGISTER_GLYPHS, domain.Empty, domain.GlyphDefResponse),
  executeJob: method(CallMethod.EXECUTE_JOB, domain.ExecuteJobRequest, domain.ExecuteJobResponse),
} as const;

/** The name of an RPC the data channel carries. */
export type ChannelRpc = keyof typeof CHANNEL_METHODS;

/** The request message of RPC `K`. */
export type ChannelRequest<K extends ChannelRpc> = typeof CHANNEL_METHODS[K] extends
  ChannelMethod<infer Req, unknown> ? Req : never;

/** The response message of RPC `K`. */
export type ChannelResponse<K extends ChannelRpc> = typeof CHANNEL_METHODS[K] extends
  ChannelMethod<unknown, infer Res> ? Res : never;

/** Each method by the byte that names it, made once (every job's CALL looks one up). */
const BY_ID = new Map<number, [ChannelRpc, ChannelMethod<unknown, unknown>]>(
  Object.entries(CHANNEL_METHODS).map((
    [name, method],
  ) => [method.id, [name as ChannelRpc, method as ChannelMethod<unknown, unknown>]]),
);

/** The method a CALL's first byte names, or undefined. */
export function channelMethodById(
  id: number,
): [ChannelRpc, ChannelMethod<unknown, unknown>] | undefined {
  return BY_ID.get(id);
}

/** gRPC status codes a FAILED reply carries (the numbers gRPC gives them). */
export const CallStatus = {
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
} as const;
