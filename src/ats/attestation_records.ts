import type { Attestation, AttestationFilter } from "../plugin/mod.ts";
import type { AttestationStore, Cursor, Page } from "./attestation_store.ts";
import type { Writer } from "./stamp.ts";
import type { ValidCommand } from "./validation.ts";

/**
 * The attestation store as the host's parts use it, whatever the engine: SQLite in the host's
 * own process (the default) or PostgreSQL shared by several hosts. The same contract either way:
 * the host stamps id, source and times; a client's id is kept and a taken one refused; a batch
 * is all or nothing; filters are OR within a list and AND across, matched without regard to
 * case, newest first, paged with the cursor each page gives.
 */
export interface AttestationRecords {
  create(command: ValidCommand, writer: Writer, id?: string): Promise<Attestation>;
  createMany(commands: readonly ValidCommand[], writer: Writer): Promise<number>;
  exists(id: string): Promise<boolean>;
  query(filter: AttestationFilter, after?: Cursor): Promise<Page>;
  /** Hears every attestation this host stored, once committed (the host's watchers). */
  onCreated(listener: (attestations: readonly Attestation[]) => void): void;
}

/** The SQLite store behind the port: its calls are synchronous, answered at once. */
export function sqliteRecords(store: AttestationStore): AttestationRecords {
  return {
    create: (command, writer, id) =>
      Promise.resolve().then(() => store.create(command, writer, id)),
    createMany: (commands, writer) =>
      Promise.resolve().then(() => store.createMany(commands, writer)),
    exists: (id) => Promise.resolve(store.exists(id)),
    query: (filter, after) => Promise.resolve().then(() => store.query(filter, after)),
    onCreated: (listener) => store.onCreated(listener),
  };
}

/**
 * A store that is still getting ready (PostgreSQL connecting and migrating at start): each call
 * waits for it, and fails with why when it could not be made ready.
 */
export function deferredRecords(ready: Promise<AttestationRecords>): AttestationRecords {
  return {
    create: async (command, writer, id) => (await ready).create(command, writer, id),
    createMany: async (commands, writer) => (await ready).createMany(commands, writer),
    exists: async (id) => (await ready).exists(id),
    query: async (filter, after) => (await ready).query(filter, after),
    onCreated: (listener) => {
      ready.then((records) => records.onCreated(listener), () => {});
    },
  };
}
