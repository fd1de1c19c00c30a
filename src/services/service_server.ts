import * as grpc from "@grpc/grpc-js";
import type { AttestationRecords } from "../ats/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { JobQueue, ScheduleBook } from "../jobs/mod.ts";
import { ats, CHANNEL_OPTIONS, queue, schedule, search } from "../protocol/mod.ts";
import { atsService } from "./ats_service.ts";
import { queueService } from "./queue_service.ts";
import { scheduleService } from "./schedule_service.ts";
import { type SearchProviders, searchService } from "./search_service.ts";
import type { TokenOwners } from "./tokens.ts";
import { type RefusalSink, warnRefusals } from "./refusals.ts";

/** The host's services, served to one plugin launch. */
export interface ServiceServer {
  /** The gRPC target the plugin gets in Initialize: `unix:<path>` or `127.0.0.1:<port>`. */
  target: string;
  /** The socket file, which the plugin's sandbox is granted; absent on TCP. */
  socket?: string;
  close(): Promise<void>;
}

/**
 * Serves the attestation store, the job queue and the schedules on `where`: a Unix socket, or
 * a free loopback TCP port (for QNTX programs, which dial `host:port` as QNTX's host serves
 * them). Only tokens `deps.tokens` accepts are answered, whoever connects.
 */
export async function startServiceServer(
  where: { socket: string } | { tcp: true },
  deps: {
    store: AttestationRecords;
    jobs: JobQueue;
    schedules: ScheduleBook;
    tokens: TokenOwners;
    logger: Logger;
    /** Told of each call refused for reaching beyond the caller's own jobs and schedules. */
    onRefused?: (detail: string) => void;
    /** QNTX's search, passed to the plugin that serves it; absent: not offered. */
    searchProviders?: SearchProviders;
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
  if (deps.searchProviders) {
    server.addService(
      search.SearchServiceService,
      searchService(deps.searchProviders, deps.tokens, deps.logger),
    );
  }
  const socket = "socket" in where ? where.socket : undefined;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      socket ? `unix:${socket}` : "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (error, port) => error ? reject(error) : resolve(port),
    )
  );
  return {
    target: socket ? `unix:${socket}` : `127.0.0.1:${port}`,
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
