/**
 * The gRPC side of the host's services, loaded on a plugin's first call to one of them: a
 * plugin that never calls them never loads grpc-js (most of a plugin's start-up).
 */
import * as grpc from "@grpc/grpc-js";
import {
  ats,
  callUnary,
  CHANNEL_OPTIONS,
  queue,
  schedule,
  type UnaryMethod,
} from "../protocol/mod.ts";

const CALL_DEADLINE_MS = 30_000;

export function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return callUnary(method, request, CALL_DEADLINE_MS);
}

export const clients = {
  ats: (endpoint: string) =>
    new ats.ATSStoreServiceClient(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS),
  queue: (endpoint: string) =>
    new queue.QueueServiceClient(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS),
  schedule: (endpoint: string) =>
    new schedule.ScheduleServiceClient(
      endpoint,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    ),
};
