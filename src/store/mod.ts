/** The host's SQLite store: opening, migrations, transactions. @module */
export { type ApiTokenRow, ApiTokenStore, type TokenScope } from "./api_tokens.ts";
export { type AuditEntry, AuditLog } from "./audit_log.ts";
export { HOST_MIGRATIONS } from "./host_migrations.ts";
export { migrate, type Migration, schemaVersion } from "./migrations.ts";
export {
  migratePostgres,
  openPostgres,
  type PostgresPool,
  type PostgresTransaction,
} from "./postgres.ts";
export { POSTGRES_MIGRATIONS } from "./postgres_migrations.ts";
export { IN_MEMORY, openDatabase, type OpenOptions } from "./sqlite.ts";
export { PluginEventLog, type PluginEventRow } from "./plugin_events.ts";
export { transaction } from "./transaction.ts";
export { clusterSecret, HostDirectory, type HostRecord } from "./postgres_hosts.ts";
export { hostIdentity } from "./host_identity.ts";
