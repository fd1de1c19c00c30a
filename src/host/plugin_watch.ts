import { dirname, relative } from "node:path";
import type { Logger } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { parseLogLine, stripAnsi, type Supervisor } from "../supervisor/mod.ts";

/** What a type check found: whether it passed, and its report. */
export interface CheckResult {
  ok: boolean;
  output: string;
}

export interface PluginWatchOptions {
  supervisor: Supervisor;
  registry: Registry;
  logger: Logger;
  /** Type-checks a plugin's entry module (`deno check`). */
  check(entry: string): Promise<CheckResult>;
  /** Quiet time after the last change before the check runs. */
  settleMs?: number;
}

const WATCHED = /\.(ts|tsx|js|jsx|mjs|json)$/;
const SHOWN_LINES = 40;

/**
 * The dev loop (`deno task dev`): follows the files of each enabled TypeScript plugin. After a
 * change settles, the plugin's entry is type-checked; if it passes the plugin restarts with the
 * change, and if not the running version stays and the errors go to the plugin's log (the
 * console's log pane) and the host's. Plugins enabled later are followed from then on.
 */
export function followPluginFiles(options: PluginWatchOptions): { close(): void } {
  const { supervisor, registry, logger } = options;
  const settleMs = options.settleMs ?? 300;
  const watchers = new Map<string, Deno.FsWatcher>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const busy = new Map<string, Promise<void>>();

  const settle = async (name: string, entry: string, dir: string) => {
    const plugin = supervisor.get(name);
    if (!plugin) return;
    const result = await options.check(entry);
    if (!result.ok) {
      const report = stripAnsi(result.output).trim().split("\n").slice(-SHOWN_LINES);
      const text = `the change does not type-check; the running version stays:\n` +
        report.map((line) => line.replaceAll(`${dir}/`, "")).join("\n");
      plugin.logs.push(parseLogLine(text, "stderr", Date.now()));
      logger.error(`plugin "${name}": ${text}`, { plugin: name });
      return;
    }
    logger.info(`plugin "${name}" changed: type-checked, restarting`, { plugin: name });
    await supervisor.restart(name).catch((error) =>
      logger.error(`plugin "${name}" did not restart with the change`, { plugin: name, error })
    );
  };

  const follow = (name: string) => {
    const found = supervisor.get(name)?.found;
    if (watchers.has(name) || found?.kind !== "deno") return;
    const dir = found.dir;
    let watcher: Deno.FsWatcher;
    try {
      watcher = Deno.watchFs(dir, { recursive: true });
    } catch (error) {
      logger.warn(`cannot follow the files of plugin "${name}"`, { plugin: name, error });
      return;
    }
    watchers.set(name, watcher);
    logger.info(`following the files of plugin "${name}" in ${dir}`, { plugin: name });
    (async () => {
      for await (const event of watcher) {
        const changed = event.paths.filter((path) => WATCHED.test(path));
        if (changed.length === 0 || event.kind === "access") continue;
        logger.debug(`plugin "${name}": ${relative(dir, changed[0]!)} changed`, { plugin: name });
        clearTimeout(timers.get(name));
        timers.set(
          name,
          setTimeout(() => {
            // One check at a time per plugin; a change during one starts the next after it.
            const previous = busy.get(name) ?? Promise.resolve();
            const next = previous.then(() => settle(name, found.entry, dirname(found.entry)));
            busy.set(name, next.catch(() => {}));
          }, settleMs),
        );
      }
    })().catch(() => {});
  };

  for (const { name } of registry.snapshots()) follow(name);
  const unsubscribe = registry.onStateChange((change) => follow(change.plugin));
  return {
    close() {
      unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/** `deno check` of an entry under the project's configuration (the one plugins run with). */
export function denoCheck(denoConfig: string): (entry: string) => Promise<CheckResult> {
  return async (entry) => {
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", denoConfig, entry],
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return {
      ok: result.success,
      output: `${text.decode(result.stdout)}${text.decode(result.stderr)}`,
    };
  };
}
