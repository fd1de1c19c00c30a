/** A real host started in this process, with the fixture plugins, for supervision tests. */
import { parseHostConfig } from "../src/config/mod.ts";
import { type Host, startHost } from "../src/host/mod.ts";
import { JsonLogger, type LogRecord, memorySink } from "../src/log/mod.ts";
import type { PluginState } from "../src/plugin/mod.ts";
import type { Registry, StateChange } from "../src/registry/mod.ts";
import { SdkBundler } from "../src/supervisor/mod.ts";
import { REPO } from "./_host_process.ts";

export const FIXTURES = `${REPO}tests/fixtures/plugins`;

let bundled: Promise<string> | undefined;

/**
 * Where the SDK's bundle is kept for every host these tests (and the bench) start in this
 * process, built at the first ask: their plugins start as an operator's do once the host has
 * run before, from the bundle (a host with a folder of its own would build it in the
 * background and start its first plugins from the sources). It is in the checkout's own
 * `data/` (ignored by git), so two checkouts' runs never remove each other's bundle and no
 * other user of the machine can plant one.
 */
export function sharedSdkBundles(): Promise<string> {
  return bundled ??= (async () => {
    const dir = `${REPO}data/test-sdk-bundles`;
    const bundler = new SdkBundler({
      execPath: Deno.execPath(),
      denoConfig: `${REPO}deno.json`,
      dir,
      logger: new JsonLogger("sdk-bundle", { sink: memorySink(), level: "error" }),
      env: Deno.env.toObject(),
    });
    if (!(await bundler.ready())) throw new Error("the SDK could not be bundled for the tests");
    return dir;
  })();
}

export interface TestHost {
  host: Host;
  dir: string;
  logs: LogRecord[];
  /** Stops the host and removes its folder. */
  close(): Promise<void>;
}

/** Starts a host on port 0 in a temporary folder with `enabled` fixture plugins. */
export async function startTestHost(
  enabled: string[],
  extraToml = "",
  paths: string[] = [FIXTURES],
  serverToml = "",
  /** Write the configuration to `<dir>/am.toml` and run from that file (edits are followed). */
  options: { file?: boolean } = {},
): Promise<TestHost> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-host-" });
  const sink = memorySink();
  const text = `[server]
port = 0
${serverToml}
[plugin]
enabled = ${JSON.stringify(enabled)}
paths = ${JSON.stringify(paths)}
health_interval = "200ms"
health_timeout = "300ms"
call_timeout = "1s"
start_timeout = "10s"
initialize_timeout = "2s"
${extraToml}${
    // Tests of other things run without credentials (allowed on loopback); auth's own tests
    // and the host-process tests set [auth] themselves.
    /^\[auth\]/m.test(extraToml + serverToml) ? "" : "\n[auth]\nenabled = false\n"}`;
  const file = options.file ? `${dir}/am.toml` : undefined;
  if (file) await Deno.writeTextFile(file, text);
  const config = { ...parseHostConfig(text, file ?? "test.toml"), file };
  const host = startHost(config, {
    logger: new JsonLogger("host", { sink, level: "debug" }),
    version: "0.1.0",
    databasePath: ":memory:",
    cwd: dir,
    watchConfig: options.file ?? false,
    sdkBundles: await sharedSdkBundles(),
  });
  return {
    host,
    dir,
    logs: sink.records,
    async close() {
      await host.pluginsStarted;
      await host.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * Resolves when plugin `name` is in `state` (at once if it already is), with the change that
 * brought it there; rejects after `ms` naming the state it was in.
 */
export function waitForState(
  registry: Registry,
  name: string,
  state: PluginState,
  ms = 20_000,
): Promise<StateChange | undefined> {
  if (registry.getState(name) === state) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const stop = registry.onStateChange((change) => {
      if (change.plugin !== name || change.to !== state) return;
      clearTimeout(timer);
      stop();
      resolve(change);
    });
    const timer = setTimeout(() => {
      stop();
      const snapshot = registry.snapshot(name);
      reject(
        new Error(
          `plugin "${name}" did not reach ${state} within ${ms} ms; it is ${snapshot?.state}: ${snapshot?.lastError}`,
        ),
      );
    }, ms);
  });
}

/** Resolves when plugin `name` runs again in another process than `oldPid`. */
export async function waitForRestart(
  host: Host,
  name: string,
  oldPid: number,
  ms = 20_000,
): Promise<number> {
  const deadline = Date.now() + ms;
  const current = () => {
    const pid = host.supervisor.get(name)?.pid;
    return pid !== undefined && pid !== oldPid && host.registry.getState(name) === "running"
      ? pid
      : undefined;
  };
  let pid = current();
  while (pid === undefined) {
    if (Date.now() > deadline) {
      throw new Error(`plugin "${name}" did not come back within ${ms} ms`);
    }
    // Wait for the plugin's next state change (or the deadline), then look again.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
      const stop = host.registry.onStateChange((change) => change.plugin === name && done());
      function done() {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
    pid = current();
  }
  return pid;
}

/** Whether a process with this pid runs (a zombie waiting to be reaped does not). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Every process in process group `group`: a plugin and whatever runs with it (bubblewrap's). */
export function processGroup(group: number): number[] {
  const members: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === group) {
        members.push(Number(entry.name));
      }
    } catch {
      // gone meanwhile
    }
  }
  return members;
}
