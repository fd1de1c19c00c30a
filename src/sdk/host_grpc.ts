/**
 * The gRPC side of the host's services, loaded on a plugin's first call to one of them: a
 * plugin that never calls them never loads grpc-js nor the services' messages (most of a
 * plugin's start-up).
 */
import * as grpc from "@grpc/grpc-js";
import type { Attestation, AttestationCommand, AttestationFilter } from "../plugin/mod.ts";
import {
  ats,
  callUnary,
  CHANNEL_OPTIONS,
  queue,
  schedule,
  type UnaryMethod,
} from "../protocol/mod.ts";

export { fromWireJob, toWireJob } from "../protocol/mod.ts";

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

export function fromWireAttestation(wire: ats.Attestation): Attestation {
  const attestation: Attestation = {
    id: wire.id,
    subjects: wire.subjects,
    predicates: wire.predicates,
    contexts: wire.contexts,
    actors: wire.actors,
    timestamp: Number(wire.timestamp),
    source: wire.source,
    attributes: wire.attributes ?? {},
    createdAt: Number(wire.createdAt),
  };
  if (wire.signature.length > 0) attestation.signature = wire.signature;
  if (wire.signerDid !== "") attestation.signerDid = wire.signerDid;
  return attestation;
}

export function toWireCommand(command: AttestationCommand): ats.AttestationCommand {
  return ats.AttestationCommand.fromPartial({
    subjects: command.subjects,
    predicates: command.predicates,
    contexts: command.contexts,
    actors: command.actors,
    timestamp: command.timestamp === undefined ? undefined : BigInt(Math.trunc(command.timestamp)),
    attributes: command.attributes,
  });
}

export function toWireFilter(filter: AttestationFilter): ats.AttestationFilter {
  return ats.AttestationFilter.fromPartial({
    subjects: filter.subjects ?? [],
    predicates: filter.predicates ?? [],
    contexts: filter.contexts ?? [],
    actors: filter.actors ?? [],
    timeStart: filter.timeStart === undefined ? undefined : BigInt(Math.trunc(filter.timeStart)),
    timeEnd: filter.timeEnd === undefined ? undefined : BigInt(Math.trunc(filter.timeEnd)),
    limit: filter.limit,
  });
}

/** A job's progress alone (`UpdateJob` with no status, see proto/README). */
export function progressOnly(id: string, progress: { current: number; total: number }): queue.Job {
  return queue.Job.fromPartial({ id, progress });
}
