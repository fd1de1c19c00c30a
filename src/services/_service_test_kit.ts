/**
 * What the services' unit tests share: a real job and schedule store on an in-memory SQLite,
 * tokens for two plugins, a logger whose records the test reads, and a way to make a unary
 * call on a service without a socket.
 */
import type * as grpc from "@grpc/grpc-js";
import { JobStore, ScheduleStore } from "../jobs/mod.ts";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import type { Caller, TokenOwners } from "./tokens.ts";

/** The token of each plugin of the kit: `bio` is the caller, `fin` the other plugin. */
export const TOKENS = { bio: "token-of-bio", fin: "token-of-fin" } as const;

const OWNERS: Record<string, Caller> = {
  [TOKENS.bio]: { plugin: "bio", version: "1.0.0" },
  [TOKENS.fin]: { plugin: "fin", version: "2.0.0" },
};

export const tokens: TokenOwners = { owner: (token) => OWNERS[token] };

export function kit() {
  const db = openDatabase({ path: IN_MEMORY });
  const time = { now: 1_000_000_000 };
  const jobs = new JobStore(db, () => time.now);
  const sink = memorySink();
  return {
    db,
    time,
    jobs,
    schedules: new ScheduleStore(db, jobs, () => time.now),
    logger: new JsonLogger("host", { sink }),
    /** The warnings logged so far, as `plugin: message`. */
    warnings: () =>
      sink.records.filter((record) => record.level === "warn").map((record) =>
        `${record.plugin}: ${record.msg}`
      ),
    [Symbol.dispose]: () => db.close(),
  };
}

/** Makes one unary call on a service's handler, as gRPC would. */
export function call<Req, Res>(
  handler: grpc.handleUnaryCall<Req, Res>,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    handler(
      { request } as grpc.ServerUnaryCall<Req, Res>,
      (error, value) => error ? reject(error) : resolve(value!),
    )
  );
}

export const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
