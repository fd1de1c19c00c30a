import type { Logger } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { HostDirectory, type HostRecord, type PostgresPool } from "../store/mod.ts";

const BEAT_MS = 5_000;
/** A host not heard of for three beats is not live. */
const LIVE_MS = 3 * BEAT_MS;

/**
 * This host among the hosts that share a database: with PostgreSQL it writes its row every
 * 5 s and at each plugin's state change (its URL, version, plugins and their states) and lists
 * the live ones; alone, the list is this host. `stop` removes its row.
 */
export function hostPresence(
  pool: Promise<PostgresPool> | undefined,
  self: { id: string; url: URL; version: string; startedAt: number },
  registry: Registry,
  logger: Logger,
): { list(): Promise<HostRecord[]>; stop(): Promise<void> } {
  const record = {
    id: self.id,
    url: self.url.href,
    version: self.version,
    startedAt: self.startedAt,
  };
  const plugins = () =>
    registry.snapshots().map((snapshot) => ({
      name: snapshot.name,
      state: snapshot.state,
      pausable: snapshot.pausable,
    }));
  if (!pool) {
    return {
      list: () => Promise.resolve([{ ...record, heartbeatAt: Date.now(), plugins: plugins() }]),
      stop: () => Promise.resolve(),
    };
  }
  // The database is usable once migrated: the first beat waits for that.
  const directory = pool.then((sql) => new HostDirectory(sql, record));
  let told = false;
  const beat = () =>
    directory.then((hosts) => hosts.beat(plugins())).then(() => told = false, (error) => {
      // Said once per outage, not every beat.
      if (!told) logger.warn("this host's heartbeat did not reach the database", { error });
      told = true;
    });
  const first = beat();
  const timer = setInterval(beat, BEAT_MS);
  // The others see a plugin's new state now, not at the next beat.
  const unsubscribe = registry.onStateChange(() => void first.then(beat));
  return {
    list: async () => {
      await first;
      return await (await directory).live(LIVE_MS);
    },
    stop: async () => {
      clearInterval(timer);
      unsubscribe();
      await first;
      await directory.then((hosts) => hosts.leave()).catch(() => {});
    },
  };
}
