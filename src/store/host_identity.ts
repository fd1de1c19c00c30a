import type { DatabaseSync } from "node:sqlite";

/**
 * This host's id among the hosts that share a database (`H` and 26 random letters and digits), made at its first
 * start and kept in its SQLite file: a restarted host is the same host, and takes back the
 * jobs it held at once instead of waiting for their leases.
 */
export function hostIdentity(db: DatabaseSync): string {
  const row = db.prepare("SELECT id FROM host_identity LIMIT 1").get();
  if (row) return String(row.id);
  const id = `H${crypto.randomUUID().replaceAll("-", "").slice(0, 26).toUpperCase()}`;
  db.prepare("INSERT INTO host_identity (id) VALUES (?)").run(id);
  return id;
}
