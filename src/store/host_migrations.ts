import type { Migration } from "./migrations.ts";

/**
 * The host's schema, in order. Each subsystem that stores data adds its tables here as a new
 * migration; an applied migration is never edited.
 */
export const HOST_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "plugin state history",
    // Every state change of every plugin, so an operator can see what happened before a
    // restart of the host (the registry itself lives in memory).
    sql: `CREATE TABLE plugin_events (
      id        INTEGER PRIMARY KEY,
      plugin    TEXT NOT NULL,
      from_state TEXT,
      to_state  TEXT NOT NULL CHECK (to_state IN ('loading','running','paused','stopped','failed')),
      reason    TEXT,
      at        INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX plugin_events_by_plugin ON plugin_events (plugin, at);`,
  },
];
