import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Attestation } from "../plugin/mod.ts";
import { RowBatch } from "./row_batch.ts";

/** The four lists of an attestation, in the order of their `role` number in the terms. */
export const ROLES = ["subjects", "predicates", "contexts", "actors"] as const;

/**
 * Writes attestations and their terms, many rows to a statement. Each attestation's `seq` is
 * given here rather than left to SQLite, so its terms can go in the same batches without
 * asking SQLite for each row's id.
 */
export class AttestationWriter {
  readonly #attestations: RowBatch;
  readonly #terms: RowBatch;
  readonly #lastSeq: StatementSync;

  constructor(db: DatabaseSync) {
    this.#attestations = new RowBatch(
      db,
      `INSERT INTO attestations (seq, id, subjects, predicates, contexts, actors, timestamp,
         source, attributes, created_at)`,
      10,
      128,
    );
    // A value that differs only in case from another of the same list is one term.
    this.#terms = new RowBatch(
      db,
      "INSERT OR IGNORE INTO attestation_terms (role, folded, attestation)",
      3,
      512,
      this.#attestations,
    );
    this.#lastSeq = db.prepare("SELECT coalesce(max(seq), 0) AS seq FROM attestations");
  }

  /**
   * Writes every attestation. Call it inside a write transaction: the numbers that follow the
   * table's last `seq` stay free only while the write lock is held.
   */
  write(attestations: Iterable<Attestation>): void {
    let seq = (this.#lastSeq.get() as { seq: number }).seq;
    try {
      for (const attestation of attestations) {
        seq++;
        this.#attestations.add(
          seq,
          attestation.id,
          JSON.stringify(attestation.subjects),
          JSON.stringify(attestation.predicates),
          JSON.stringify(attestation.contexts),
          JSON.stringify(attestation.actors),
          attestation.timestamp,
          attestation.source,
          JSON.stringify(attestation.attributes),
          attestation.createdAt,
        );
        for (let role = 0; role < ROLES.length; role++) {
          for (const value of attestation[ROLES[role]!]) {
            this.#terms.add(role, value.toLowerCase(), seq);
          }
        }
      }
      this.#terms.flush();
      this.#attestations.flush();
    } finally {
      this.#attestations.clear();
      this.#terms.clear();
    }
  }
}
