import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Attestation, AttestationFilter } from "../plugin/mod.ts";
import { transaction } from "../store/mod.ts";
import { AttestationWriter, ROLES } from "./attestation_writer.ts";
import { checkClientId, stampAttestation, type Writer } from "./stamp.ts";
import { LIMITS, type ValidCommand } from "./validation.ts";

export type { Writer } from "./stamp.ts";

/** Where a page of a query ends: pass it back to get the next one. */
export interface Cursor {
  timestamp: number;
  seq: number;
}

/** A page of attestations, newest first, and the cursor of the next page if there is one. */
export interface Page {
  attestations: Attestation[];
  next?: Cursor;
}

interface Row {
  seq: number;
  id: string;
  subjects: string;
  predicates: string;
  contexts: string;
  actors: string;
  timestamp: number;
  source: string;
  attributes: string;
  created_at: number;
  signature: Uint8Array | null;
  signer_did: string | null;
}

/**
 * The shared attestation store on SQLite. Values are matched without regard to case (a folded
 * copy is indexed); filters are OR within a list, AND across lists, with an inclusive time
 * range, newest first. Commands are validated by the caller ({@link checkCommand}).
 */
export class AttestationStore {
  readonly #writer: AttestationWriter;
  readonly #exists: StatementSync;
  readonly #listeners: ((attestations: readonly Attestation[]) => void)[] = [];

  constructor(readonly db: DatabaseSync, readonly now: () => number = Date.now) {
    this.#writer = new AttestationWriter(db);
    this.#exists = db.prepare("SELECT 1 FROM attestations WHERE id = ?");
  }

  /** Hears every attestation once it is committed (the host's watchers). */
  onCreated(listener: (attestations: readonly Attestation[]) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Stores one attestation and returns it as stored. With `id` (QNTX's `CreateAttestation`
   * keeps the client's), that id is used, and one already stored is refused.
   */
  create(command: ValidCommand, writer: Writer, id?: string): Attestation {
    if (id !== undefined) checkClientId(id);
    const attestation = transaction(this.db, () => {
      if (id !== undefined && this.exists(id)) {
        throw new RangeError(`attestation "${id}" already exists; nothing was stored`);
      }
      const attestation = this.#stamp(command, writer, id);
      this.#writer.write([attestation]);
      return attestation;
    });
    this.#created([attestation]);
    return attestation;
  }

  /** Stores every command in one transaction: all or nothing. */
  createMany(commands: readonly ValidCommand[], writer: Writer): number {
    const stored = transaction(this.db, () => {
      const stamped = commands.map((command) => this.#stamp(command, writer));
      this.#writer.write(stamped);
      return stamped;
    });
    this.#created(stored);
    return stored.length;
  }

  #created(attestations: readonly Attestation[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(attestations);
      } catch {
        // a listener's failure is its own; the attestations are stored
      }
    }
  }

  exists(id: string): boolean {
    return this.#exists.get(id) !== undefined;
  }

  /** One page of the attestations that match `filter`, newest first. */
  query(filter: AttestationFilter, after?: Cursor): Page {
    const limit = Math.min(
      Math.max(1, filter.limit ?? LIMITS.defaultQueryLimit),
      LIMITS.queryLimit,
    );
    const where: string[] = [];
    const args: (string | number)[] = [];
    ROLES.forEach((role, index) => {
      const values = filter[role];
      if (!values || values.length === 0) return;
      where.push(
        `a.seq IN (SELECT attestation FROM attestation_terms WHERE role = ? AND folded IN (${
          values.map(() => "?").join(",")
        }))`,
      );
      args.push(index, ...values.map((value) => value.toLowerCase()));
    });
    if (filter.sources && filter.sources.length > 0) {
      where.push(`a.source IN (${filter.sources.map(() => "?").join(",")})`);
      args.push(...filter.sources);
    }
    if (filter.timeStart !== undefined) {
      where.push("a.timestamp >= ?");
      args.push(filter.timeStart);
    }
    if (filter.timeEnd !== undefined) {
      where.push("a.timestamp <= ?");
      args.push(filter.timeEnd);
    }
    if (after) {
      where.push("(a.timestamp < ? OR (a.timestamp = ? AND a.seq < ?))");
      args.push(after.timestamp, after.timestamp, after.seq);
    }
    const rows = this.db.prepare(
      `SELECT a.* FROM attestations a ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY a.timestamp DESC, a.seq DESC LIMIT ?`,
    ).all(...args, limit + 1) as unknown as Row[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const attestations = this.#withTerms(page);
    const last = page.at(-1);
    return more && last
      ? { attestations, next: { timestamp: last.timestamp, seq: last.seq } }
      : { attestations };
  }

  #stamp(command: ValidCommand, writer: Writer, id?: string): Attestation {
    return stampAttestation(command, writer, this.now(), id);
  }

  #withTerms(rows: Row[]): Attestation[] {
    return rows.map((row) => {
      const attestation: Attestation = {
        id: row.id,
        subjects: JSON.parse(row.subjects),
        predicates: JSON.parse(row.predicates),
        contexts: JSON.parse(row.contexts),
        actors: JSON.parse(row.actors),
        timestamp: row.timestamp,
        source: row.source,
        attributes: JSON.parse(row.attributes),
        createdAt: row.created_at,
      };
      if (row.signature) attestation.signature = row.signature;
      if (row.signer_did) attestation.signerDid = row.signer_did;
      return attestation;
    });
  }
}
