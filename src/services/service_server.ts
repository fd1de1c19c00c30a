import * as grpc from "@grpc/grpc-js";
import type { AttestationStore } from "../ats/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { JobStore, ScheduleStore } from "../jobs/mod.ts";
import { ats, CHANNEL_OPTIONS, queue, schedule } from "../protocol/mod.ts";
import { atsService } from "./ats_service.ts";
import { queueService } from "./queue_service.ts";
import { scheduleService } from "./schedule_service.ts";
import type { TokenOwners } from "./tokens.ts";
import { type RefusalSink, warnRefusals } from "./refusals.ts";

/** The host's services, served to plugin processes on one Unix socket in the runtime folder. */
export interface ServiceServer {
  /** The gRPC target plugins get in Initialize (`unix:<path>`). */
  target: string;
  /** The socket file, which each plugin's sandbox is granted. */
  socket: string;
  close(): Promise<void>;
}

export async function startServiceServer(
  socket: string,
  deps: {
    store: AttestationStore;
    jobs: JobStore;
    schedules: ScheduleStore;
    tokens: TokenOwners;
    logger: Logger;
    /** Told of each call refused for reaching beyond the caller's own jobs and schedules. */
    onRefused?: (detail: string) => void;
  },
): Promise<ServiceServer> {
  const server = new grpc.Server(CHANNEL_OPTIONS);
  const sink = (service: string): RefusalSink => {
    const warn = warnRefusals(deps.logger, service);
    return (caller, refusal) => {
      warn(caller, refusal);
      deps.onRefused?.(refusal.detail);
    };
  };
  server.addService(ats.ATSStoreServiceService, atsService(deps.store, deps.tokens, deps.logger));
  server.addService(
    queue.QueueServiceService,
    queueService(deps.jobs, deps.tokens, deps.logger, { refused: sink("job queue") }),
  );
  server.addService(
    schedule.ScheduleServiceService,
    scheduleService(deps.schedules, deps.tokens, deps.logger, {
      refused: sink("schedule service"),
    }),
  );
  const target = `unix:${socket}`;
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(
      target,
      grpc.ServerCredentials.createInsecure(),
      (error) => error ? reject(error) : resolve(),
    )
  );
  return {
    target,
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
