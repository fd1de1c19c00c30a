import type { DatabaseSync, StatementSync } from "node:sqlite";

/** One action an operator (or a program with a token) took, or tried. */
export interface AuditEntry {
  /** Unix milliseconds. */
  at: number;
  /** The token's name (`operator` for the operator's own), or `-` when none was accepted. */
  actor: string;
  /** `POST /api/plugins/code/pause`, `sign-in refused`, … */
  action: string;
  /** What it acted on (a plugin, a job, a token's name), or the path. */
  target: string;
  /** The client's address. */
  client: string;
  /** The HTTP status it got. */
  status: number;
}

const KEPT = 100_000;

/**
 * The audit log of state changes (table `audit_log`), kept in the database so it survives the
 * host and is shown in the console. Bounded: past 100 000 entries the oldest go.
 */
export class AuditLog {
  readonly #insert: StatementSync;
  readonly #recent: StatementSync;
  readonly #trim: StatementSync;
  #writes = 0;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      "INSERT INTO audit_log (at, actor, action, target, client, status) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#recent = db.prepare(
      "SELECT at, actor, action, target, client, status FROM audit_log ORDER BY seq DESC LIMIT ?",
    );
    this.#trim = db.prepare(
      "DELETE FROM audit_log WHERE seq <= (SELECT MAX(seq) FROM audit_log) - ?",
    );
  }

  append(entry: AuditEntry): void {
    this.#insert.run(
      entry.at,
      entry.actor,
      entry.action,
      entry.target,
      entry.client,
      entry.status,
    );
    if (++this.#writes % 1000 === 0) this.#trim.run(KEPT);
  }

  /** The latest entries, newest first. */
  recent(limit: number): AuditEntry[] {
    return this.#recent.all(limit).map((row) => ({
      at: Number(row.at),
      actor: String(row.actor),
      action: String(row.action),
      target: String(row.target),
      client: String(row.client),
      status: Number(row.status),
    }));
  }
}
