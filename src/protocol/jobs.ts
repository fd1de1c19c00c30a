import type { Job, JobStatus, NewJob } from "../plugin/mod.ts";
import { Job as WireJob } from "./gen_messages/protocol/queue.ts";

/** A job as the contract types it, from the wire (Unix seconds as numbers). */
export function fromWireJob(wire: WireJob): Job {
  return {
    id: wire.id,
    handlerName: wire.handlerName,
    payload: wire.payload,
    source: wire.source,
    status: wire.status as JobStatus,
    progress: { current: wire.progress?.current ?? 0, total: wire.progress?.total ?? 0 },
    costEstimate: wire.costEstimate,
    costActual: wire.costActual,
    error: wire.error,
    parentJobId: wire.parentJobId,
    retryCount: wire.retryCount,
    createdAt: Number(wire.createdAt),
    startedAt: Number(wire.startedAt),
    completedAt: Number(wire.completedAt),
  };
}

/** A job (or a new job's fields) on the wire; what is missing is empty or zero. */
export function toWireJob(job: NewJob | Job): WireJob {
  const full = job as Partial<Job>;
  return WireJob.fromPartial({
    id: job.id ?? "",
    handlerName: job.handlerName,
    payload: job.payload ?? new Uint8Array(),
    source: job.source ?? "",
    status: full.status ?? "",
    progress: full.progress,
    costEstimate: job.costEstimate ?? 0,
    costActual: full.costActual ?? 0,
    error: full.error ?? "",
    parentJobId: job.parentJobId ?? "",
    retryCount: full.retryCount ?? 0,
    createdAt: BigInt(full.createdAt ?? 0),
    startedAt: BigInt(full.startedAt ?? 0),
    completedAt: BigInt(full.completedAt ?? 0),
  });
}
