/**
 * Figures of plugin supervision, measured on real processes: cold start of an SDK plugin
 * (spawn to `running`), crash to `running` again, idle memory of one plugin process, and twenty
 * plugins started at once. Run with `deno task bench`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHostConfig } from "../src/config/mod.ts";
import { type Host, startHost } from "../src/host/mod.ts";
import { JsonLogger, memorySink } from "../src/log/mod.ts";
import type { PluginState } from "../src/plugin/mod.ts";
import { DEFAULT_BACKOFF } from "../src/supervisor/mod.ts";
import { processGroup, sharedSdkBundles } from "../tests/_in_process_host.ts";
import { ratios, shown, spread } from "./turns.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const FIXTURES = join(REPO, "tests", "fixtures", "plugins");

export interface Figure {
  name: string;
  value: string;
  target?: string;
  samples?: number[];
  /** A target `deno task bench --check` holds the figure to: its median against a bound. */
  check?: { measured: number; atLeast?: number; atMost?: number };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function withHost<T>(
  enabled: string[],
  paths: string[],
  work: (host: Host) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-" });
  const config = parseHostConfig(
    `[server]\nport = 0\n[plugin]\nenabled = ${JSON.stringify(enabled)}\npaths = ${
      JSON.stringify(paths)
    }\nhealth_interval = "1h"\n`,
    "bench",
  );
  const host = startHost(config, {
    logger: new JsonLogger("host", { sink: memorySink(), level: "error" }),
    version: "0.1.0",
    databasePath: ":memory:",
    cwd: dir,
    // Its plugins start from the SDK's bundle, as they do once a host has run before.
    sdkBundles: await sharedSdkBundles(),
    // A crash after half a second of running counts as isolated (its restart is the first,
    // fastest one); the bench measures recovery from such crashes, not from a crash loop.
    backoff: { ...DEFAULT_BACKOFF, stableMs: 500 },
  });
  try {
    return await work(host);
  } finally {
    await host.pluginsStarted;
    await host.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

function reached(host: Host, name: string, state: PluginState): Promise<number> {
  return new Promise((resolve) => {
    if (host.registry.getState(name) === state) return resolve(performance.now());
    const stop = host.registry.onStateChange((change) => {
      if (change.plugin === name && change.to === state) {
        stop();
        resolve(performance.now());
      }
    });
  });
}

/** Spawn of a bare `deno run` of a hello-world until its line: the machine's own start cost. */
async function bareStart(file: string): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-remote", file],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
  }
  const took = performance.now() - started;
  await reader.cancel();
  await child.status;
  return took;
}

/**
 * Spawn to running, `runs` times (enable after disable), each beside a bare `deno run` of a
 * hello-world: the ratio of the two is what holds from one machine to another.
 */
async function coldStart(runs: number): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-hello-" });
  const hello = join(dir, "hello.ts");
  await Deno.writeTextFile(hello, 'console.log("ready");\n');
  try {
    return await withHost([], [FIXTURES], async (host) => {
      const samples: number[] = [];
      const bare: number[] = [];
      let first = 0;
      for (let i = 0; i < runs + 1; i++) {
        const calibration = await bareStart(hello);
        const started = performance.now();
        const running = reached(host, "echo", "running");
        await host.supervisor.enable("echo");
        const took = (await running) - started;
        // The first run fills the plugin's own Deno cache (see pluginDenoCache): reported apart.
        if (i === 0) first = took;
        else {
          samples.push(took);
          bare.push(calibration);
        }
        await host.supervisor.disable("echo");
      }
      const ratio = ratios(samples, bare);
      return [
        {
          name: "cold start of an SDK plugin, spawn to running (median, p90)",
          value: `${quantile(samples, 0.5).toFixed(0)} ms, ${quantile(samples, 0.9).toFixed(0)} ms`,
          samples,
        },
        {
          name: "its first start ever, its Deno cache empty (one run)",
          value: `${first.toFixed(0)} ms`,
        },
        {
          name: "a bare `deno run` of a hello-world, spawn to its line (median; calibration)",
          value: `${quantile(bare, 0.5).toFixed(0)} ms`,
        },
        {
          name: "cold start / bare deno run, run by run (median, range)",
          value: shown(ratio, (v) => `${v.toFixed(2)}×`),
          target: "≤ 1.3×",
          check: { measured: spread(ratio).median, atMost: 1.3 },
        },
      ];
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** SIGKILL to running again, `runs` times. */
async function crashRecovery(runs: number): Promise<Figure> {
  return await withHost(["echo"], [FIXTURES], async (host) => {
    await reached(host, "echo", "running");
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const loading = reached(host, "echo", "loading");
      const killed = performance.now();
      Deno.kill(host.supervisor.get("echo")!.pid!, "SIGKILL");
      await loading;
      samples.push((await reached(host, "echo", "running")) - killed);
    }
    return {
      name: "crash (SIGKILL) to running again (median, max)",
      value: `${quantile(samples, 0.5).toFixed(0)} ms, ${Math.max(...samples).toFixed(0)} ms`,
      target: "≤ 1 s",
      samples,
    };
  });
}

/** Resident memory of one idle plugin process. */
async function idleMemory(): Promise<Figure> {
  return await withHost(["echo"], [FIXTURES], async (host) => {
    await reached(host, "echo", "running");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The plugin's process group: the plugin, and bubblewrap's two small processes around it.
    let kib = 0;
    for (const pid of processGroup(host.supervisor.get("echo")!.pid!)) {
      const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
    return {
      name: "idle memory of one SDK plugin, its processes together (RSS)",
      value: `${(kib / 1024).toFixed(1)} MiB`,
    };
  });
}

/** Twenty plugins enabled at once, until all are running. */
async function twenty(): Promise<Figure> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-plugins-" });
  const names = Array.from({ length: 20 }, (_, i) => `p${String(i + 1).padStart(2, "0")}`);
  try {
    for (const name of names) {
      await Deno.mkdir(join(dir, name));
      await Deno.writeTextFile(
        join(dir, name, "plugin.json"),
        JSON.stringify({ name, version: "1.0.0", entry: "main.ts" }),
      );
      // Self-contained, as plugins are: a confined plugin sees its folder and the SDK only.
      await Deno.writeTextFile(
        join(dir, name, "main.ts"),
        `import { definePlugin, serve } from "${REPO}src/sdk/mod.ts";\n` +
          `await serve(definePlugin({ metadata: { name: "${name}", version: "1.0.0", ` +
          `qntxVersion: "", description: "", author: "", license: "" }, ` +
          `routes: [{ method: "GET", path: "/", handler: () => new Response("ok") }] }));\n`,
      );
    }
    const started = performance.now();
    return await withHost(names, [dir], async (host) => {
      const all = await Promise.all(names.map((name) => reached(host, name, "running")));
      const took = Math.max(...all) - started;
      return {
        name: "twenty plugins started at once, until all run",
        value: `${(took / 1000).toFixed(2)} s`,
        target: "≤ 5 s",
      };
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

export async function supervisionFigures(): Promise<Figure[]> {
  return [...await coldStart(15), await crashRecovery(10), await idleMemory(), await twenty()];
}
