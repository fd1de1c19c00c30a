/** The host's services for plugin processes, over gRPC: attestations, jobs, schedules. @module */
export { atsService, toWireAttestation } from "./ats_service.ts";
export { queueService } from "./queue_service.ts";
export { scheduleService, toWireSchedule } from "./schedule_service.ts";
export { type ServiceServer, startServiceServer } from "./service_server.ts";
export { type Caller, INVALID_TOKEN, type TokenOwners } from "./tokens.ts";
export {
  AUTHORIZATION,
  CALLER,
  type SearchProvider,
  type SearchProviders,
  searchService,
} from "./search_service.ts";
export { SearchRouter } from "./search_router.ts";
