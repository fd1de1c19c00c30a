import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A plugin's move between states, as stored. */
export interface PluginEventRow {
  plugin: string;
  from: string | null;
  to: string;
  reason?: string;
  /** The plugin's version after the change, when known. */
  version?: string;
  /** Unix milliseconds. */
  at: number;
}

/** The durable history of plugin state changes (table `plugin_events`). */
export class PluginEventLog {
  readonly #insert: StatementSync;
  readonly #recent: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      `INSERT INTO plugin_events (plugin, from_state, to_state, reason, version, at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#recent = db.prepare(
      `SELECT plugin, from_state AS "from", to_state AS "to", reason, version, at FROM plugin_events
       WHERE plugin = ? ORDER BY at DESC, id DESC LIMIT ?`,
    );
  }

  append(event: PluginEventRow): void {
    const { plugin, from, to, reason, version, at } = event;
    this.#insert.run(plugin, from, to, reason ?? null, version ?? null, at);
  }

  /** The plugin's latest events, newest first. */
  recent(plugin: string, limit: number): PluginEventRow[] {
    return this.#recent.all(plugin, limit).map((row) => {
      const event: PluginEventRow = {
        plugin: String(row.plugin),
        from: row.from === null ? null : String(row.from),
        to: String(row.to),
        at: Number(row.at),
      };
      if (row.reason !== null) event.reason = String(row.reason);
      if (row.version !== null) event.version = String(row.version);
      return event;
    });
  }
}
