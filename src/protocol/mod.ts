/**
 * The wire protocol shared by the host and plugin processes: the generated stubs of
 * `proto/protocol/*.proto` with their gRPC services (one namespace per file), and everything
 * `wire.ts` has.
 * @module
 */
export * as ats from "./gen/protocol/atsstore.ts";
export * as domain from "./gen/protocol/domain.ts";
export * as queue from "./gen/protocol/queue.ts";
export * as schedule from "./gen/protocol/schedule.ts";
export * as search from "./gen/protocol/search.ts";
export * from "./wire.ts";
export { fromWireJob, toWireJob } from "./jobs.ts";
export { callUnary, isUnimplemented, type UnaryMethod } from "./unary.ts";
