/** The shared attestation store: SQLite storage, validation, and ids. @module */
export { AttestationStore, type Cursor, type Page, type Writer } from "./attestation_store.ts";
export { ulid } from "./ulid.ts";
export { checkCommand, commandSchema, LIMITS, type ValidCommand } from "./validation.ts";
export { localAttestationStore } from "./local_store.ts";
export { type AttestationRecords, deferredRecords, sqliteRecords } from "./attestation_records.ts";
export { PostgresAttestations } from "./postgres_attestations.ts";
export { checkClientId, stampAttestation } from "./stamp.ts";
export { followAttestations } from "./attestation_follower.ts";
