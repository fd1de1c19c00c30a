import type { PostgresPool } from "./postgres.ts";

/** A host of the cluster, as it last said it was. */
export interface HostRecord {
  id: string;
  url: string;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** Its plugins and their states when it last beat. */
  plugins: HostPlugin[];
}

/** A plugin as its host tells the others: its state, and whether it can be paused. */
export interface HostPlugin {
  name: string;
  state: string;
  pausable?: boolean;
}

/**
 * The hosts that share the database: each writes its own row on a heartbeat (id, URL, version,
 * its plugins and their states); a host whose heartbeat is older than the caller allows is not
 * live. Rows of hosts gone for long are removed by whoever lists them.
 */
export class HostDirectory {
  constructor(
    readonly sql: PostgresPool,
    readonly self: { id: string; url: string; version: string; startedAt: number },
    readonly now: () => number = Date.now,
  ) {}

  /** Writes this host's row now, with its plugins. */
  async beat(plugins: HostPlugin[]): Promise<void> {
    const { id, url, version, startedAt } = this.self;
    await this.sql`INSERT INTO hosts (id, url, version, started_at, heartbeat_at, plugins)
      VALUES (${id}, ${url}, ${version}, ${startedAt}, ${this.now()}, ${
      this.sql.json(plugins as never)
    })
      ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, version = EXCLUDED.version,
        heartbeat_at = EXCLUDED.heartbeat_at, plugins = EXCLUDED.plugins`;
  }

  /** The hosts whose last heartbeat is within `maxAgeMs`, this one first, then by id. */
  async live(maxAgeMs: number): Promise<HostRecord[]> {
    const since = this.now() - maxAgeMs;
    // Hosts silent for a day are forgotten.
    await this.sql`DELETE FROM hosts WHERE heartbeat_at < ${this.now() - 86_400_000}`;
    const rows = await this.sql<{
      id: string;
      url: string;
      version: string;
      started_at: string;
      heartbeat_at: string;
      plugins: HostPlugin[];
    }[]>`SELECT * FROM hosts WHERE heartbeat_at >= ${since} ORDER BY id`;
    return rows
      .map((row) => ({
        id: row.id,
        url: row.url,
        version: row.version,
        startedAt: Number(row.started_at),
        heartbeatAt: Number(row.heartbeat_at),
        plugins: row.plugins,
      }))
      .sort((a, b) => Number(b.id === this.self.id) - Number(a.id === this.self.id));
  }

  /** Removes this host's row (a clean stop). */
  async leave(): Promise<void> {
    await this.sql`DELETE FROM hosts WHERE id = ${this.self.id}`;
  }
}

/**
 * The secret hosts that share the database present to each other when they relay the
 * operator's plugin actions and log reads: made by the first host that asks (`fresh`), the
 * same for all after.
 */
export async function clusterSecret(sql: PostgresPool, fresh: string): Promise<string> {
  await sql`INSERT INTO cluster_secret (id, secret) VALUES (1, ${fresh}) ON CONFLICT DO NOTHING`;
  const [row] = await sql<{ secret: string }[]>`SELECT secret FROM cluster_secret WHERE id = 1`;
  return row!.secret;
}
