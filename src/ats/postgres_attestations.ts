import type { Attestation, AttestationFilter } from "../plugin/mod.ts";
import type { PostgresPool } from "../store/mod.ts";
import type { AttestationRecords } from "./attestation_records.ts";
import type { Cursor, Page } from "./attestation_store.ts";
import { checkClientId, stampAttestation, type Writer } from "./stamp.ts";
import { LIMITS, type ValidCommand } from "./validation.ts";

const ROLES = ["subjects", "predicates", "contexts", "actors"] as const;
/** Rows in one INSERT of a batch: well under PostgreSQL's 65 535 parameters (15 a row). */
const ROWS_PER_INSERT = 2000;

interface Row {
  seq: string;
  id: string;
  subjects: string[];
  predicates: string[];
  contexts: string[];
  actors: string[];
  timestamp: string;
  source: string;
  attributes: Record<string, unknown>;
  created_at: string;
  signature: Uint8Array | null;
  signer_did: string | null;
}

/**
 * The attestation store on PostgreSQL, shared by the hosts that name the same database. Writes
 * of a batch go in multi-row INSERTs inside one transaction; the four lists are kept as given
 * and case-folded for their GIN indexes. `since` reads in `seq` order up to the oldest
 * transaction still open, so a reader that follows `seq` never passes a row whose commit lands
 * after a later one's.
 */
export class PostgresAttestations implements AttestationRecords {
  readonly #listeners: ((attestations: readonly Attestation[]) => void)[] = [];

  constructor(readonly sql: PostgresPool, readonly now: () => number = Date.now) {}

  onCreated(listener: (attestations: readonly Attestation[]) => void): void {
    this.#listeners.push(listener);
  }

  async create(command: ValidCommand, writer: Writer, id?: string): Promise<Attestation> {
    if (id !== undefined) checkClientId(id);
    const attestation = stampAttestation(command, writer, this.now(), id);
    try {
      await this.sql`INSERT INTO attestations ${this.sql([this.#row(attestation)])}`;
    } catch (error) {
      if ((error as { code?: string }).code === "23505" && id !== undefined) {
        throw new RangeError(`attestation "${id}" already exists; nothing was stored`);
      }
      throw error;
    }
    this.#created([attestation]);
    return attestation;
  }

  async createMany(commands: readonly ValidCommand[], writer: Writer): Promise<number> {
    const now = this.now();
    const stamped = commands.map((command) => stampAttestation(command, writer, now));
    await this.sql.begin(async (tx) => {
      for (let i = 0; i < stamped.length; i += ROWS_PER_INSERT) {
        const rows = stamped.slice(i, i + ROWS_PER_INSERT).map((a) => this.#row(a));
        await tx`INSERT INTO attestations ${tx(rows)}`;
      }
    });
    this.#created(stamped);
    return stamped.length;
  }

  async exists(id: string): Promise<boolean> {
    const rows = await this.sql`SELECT 1 FROM attestations WHERE id = ${id}`;
    return rows.length > 0;
  }

  async query(filter: AttestationFilter, after?: Cursor): Promise<Page> {
    const limit = Math.min(
      Math.max(1, filter.limit ?? LIMITS.defaultQueryLimit),
      LIMITS.queryLimit,
    );
    const sql = this.sql;
    const conditions = [sql`TRUE`];
    for (const role of ROLES) {
      const values = filter[role];
      if (!values || values.length === 0) continue;
      const folded = values.map((value) => value.toLowerCase());
      conditions.push(sql`${sql(`folded_${role}`)} && ${folded}::text[]`);
    }
    if (filter.sources && filter.sources.length > 0) {
      conditions.push(sql`source = ANY(${filter.sources}::text[])`);
    }
    if (filter.timeStart !== undefined) conditions.push(sql`timestamp >= ${filter.timeStart}`);
    if (filter.timeEnd !== undefined) conditions.push(sql`timestamp <= ${filter.timeEnd}`);
    if (after) {
      conditions.push(
        sql`(timestamp < ${after.timestamp} OR (timestamp = ${after.timestamp} AND seq < ${after.seq}))`,
      );
    }
    const where = conditions.reduce((all, condition) => sql`${all} AND ${condition}`);
    const rows = await sql<Row[]>`SELECT * FROM attestations WHERE ${where}
      ORDER BY timestamp DESC, seq DESC LIMIT ${limit + 1}`;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const attestations = page.map(toAttestation);
    return rows.length > limit && last
      ? { attestations, next: { timestamp: Number(last.timestamp), seq: Number(last.seq) } }
      : { attestations };
  }

  /**
   * Attestations after `seq`, in `seq` order, up to `limit`, and the `seq` to pass next. Rows of
   * transactions that began before the oldest one still open are all committed: the read stops
   * short of any later row, so a row committed late is read on a later call, never skipped.
   */
  async since(seq: number, limit = 1000): Promise<{ attestations: Attestation[]; next: number }> {
    const rows = await this.sql<Row[]>`SELECT * FROM attestations
      WHERE seq > ${seq} AND written_by < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY seq LIMIT ${limit}`;
    return {
      attestations: rows.map(toAttestation),
      next: rows.length > 0 ? Number(rows.at(-1)!.seq) : seq,
    };
  }

  /** The `seq` of the newest attestation (0 for none): where a reader of new ones starts. */
  async head(): Promise<number> {
    const [row] = await this.sql<
      { seq: string | null }[]
    >`SELECT max(seq) AS seq FROM attestations`;
    return Number(row?.seq ?? 0);
  }

  #row(attestation: Attestation): Record<string, unknown> {
    const fold = (values: string[]) => values.map((value) => value.toLowerCase());
    return {
      id: attestation.id,
      subjects: attestation.subjects,
      predicates: attestation.predicates,
      contexts: attestation.contexts,
      actors: attestation.actors,
      folded_subjects: fold(attestation.subjects),
      folded_predicates: fold(attestation.predicates),
      folded_contexts: fold(attestation.contexts),
      folded_actors: fold(attestation.actors),
      timestamp: attestation.timestamp,
      source: attestation.source,
      attributes: this.sql.json(attestation.attributes as never),
      created_at: attestation.createdAt,
      signature: attestation.signature ?? null,
      signer_did: attestation.signerDid ?? null,
    };
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
}

function toAttestation(row: Row): Attestation {
  const attestation: Attestation = {
    id: row.id,
    subjects: row.subjects,
    predicates: row.predicates,
    contexts: row.contexts,
    actors: row.actors,
    timestamp: Number(row.timestamp),
    source: row.source,
    attributes: row.attributes,
    createdAt: Number(row.created_at),
  };
  if (row.signature) attestation.signature = row.signature;
  if (row.signer_did) attestation.signerDid = row.signer_did;
  return attestation;
}
