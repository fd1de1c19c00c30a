import type { DatabaseSync, StatementSync } from "node:sqlite";

/** What a named token may do: read (safe methods) or everything. */
export type TokenScope = "read" | "admin";

/** A named token as listed: never its secret. */
export interface ApiTokenRow {
  id: string;
  name: string;
  scope: TokenScope;
  /** Unix milliseconds. */
  createdAt: number;
  /** Unix milliseconds of its last use, 0 when never used. */
  lastUsedAt: number;
}

/**
 * Named API tokens (table `api_tokens`): each kept as the SHA-256 of its secret, so the
 * database never holds a token that works. Creating one returns the only copy of its secret.
 */
export class ApiTokenStore {
  readonly #insert: StatementSync;
  readonly #byId: StatementSync;
  readonly #list: StatementSync;
  readonly #remove: StatementSync;
  readonly #used: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      "INSERT INTO api_tokens (id, name, scope, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.#byId = db.prepare(
      "SELECT id, name, scope, secret_hash, created_at, last_used_at FROM api_tokens WHERE id = ?",
    );
    this.#list = db.prepare(
      "SELECT id, name, scope, created_at, last_used_at FROM api_tokens ORDER BY name",
    );
    this.#remove = db.prepare("DELETE FROM api_tokens WHERE name = ?");
    this.#used = db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?");
  }

  /** Stores a token (its secret already hashed); throws when the name is taken. */
  insert(row: { id: string; name: string; scope: TokenScope; secretHash: string; at: number }) {
    this.#insert.run(row.id, row.name, row.scope, row.secretHash, row.at);
  }

  /** The token with this id and the hash of its secret, if it exists. */
  find(id: string): (ApiTokenRow & { secretHash: string }) | undefined {
    const row = this.#byId.get(id);
    return row ? { ...toRow(row), secretHash: String(row.secret_hash) } : undefined;
  }

  list(): ApiTokenRow[] {
    return this.#list.all().map(toRow);
  }

  /** Revokes a token by name; false when there was none. */
  remove(name: string): boolean {
    return Number(this.#remove.run(name).changes) > 0;
  }

  markUsed(id: string, at: number): void {
    this.#used.run(at, id);
  }
}

function toRow(row: Record<string, unknown>): ApiTokenRow {
  return {
    id: String(row.id),
    name: String(row.name),
    scope: String(row.scope) as TokenScope,
    createdAt: Number(row.created_at),
    lastUsedAt: Number(row.last_used_at),
  };
}
