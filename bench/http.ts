/**
 * The HTTP proxy's cost, measured side by side in one run with wrk: (a) a 1 KiB GET answered
 * directly by Deno.serve; (b) the same handler in an SDK plugin behind the host, over the data
 * channel; (c) the same plugin as a QNTX executable, over unary gRPC. (a) and (b) take turns.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Figure } from "./supervision.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

export interface WrkResult {
  requestsPerSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Makes sure Debian's wrk is there (installs it when it can). */
export async function ensureWrk(): Promise<void> {
  const found = await new Deno.Command("sh", { args: ["-c", "command -v wrk"], stdout: "null" })
    .output();
  if (found.success) return;
  const install = await new Deno.Command("sh", {
    args: [
      "-c",
      "apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1)",
    ],
  }).output();
  if (!install.success) {
    throw new Error("wrk is missing and could not be installed (apt-get install wrk)");
  }
}

function toMs(value: string, unit: string): number {
  return Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
}

/** The operator's token of the hosts the benches start. */
export const BENCH_TOKEN = "bench-operator-token-0123456789abcdef";

/** Runs wrk and reads requests per second and the 50th and 99th latency percentiles. */
export async function wrk(url: string, connections: number, seconds: number): Promise<WrkResult> {
  const threads = Math.min(2, connections);
  const output = await new Deno.Command("wrk", {
    // Every request carries the operator's token, as programs send it; the direct server
    // ignores it, so both sides of a ratio parse the same request.
    args: [
      `-t${threads}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--latency",
      "-H",
      `Authorization: Bearer ${BENCH_TOKEN}`,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(text);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(text);
  if (!rps || !p50 || !p99) throw new Error(`could not read wrk's output:\n${text}`);
  if (/Non-2xx/.test(text)) throw new Error(`wrk saw errors:\n${text}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p50ms: toMs(p50[1]!, p50[2]!),
    p99ms: toMs(p99[1]!, p99[2]!),
  };
}

/** A child process whose output (stdout and stderr) is followed, to wait for lines. */
export interface Child {
  child: Deno.ChildProcess;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

export function startChild(args: string[], cwd: string): Child {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "piped",
  })
    .spawn();
  let seen = "";
  const waiters = new Set<() => void>();
  let exited = false;
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        seen += chunk;
        waiters.forEach((wake) => wake());
      }
    })();
  }
  child.status.then(() => {
    exited = true;
    waiters.forEach((wake) => wake());
  });
  return {
    child,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(seen);
          if (match) {
            waiters.delete(check);
            resolve(match);
          } else if (exited) {
            waiters.delete(check);
            reject(new Error(`exited before ${pattern}:\n${seen}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

export async function stop(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* gone */ }
  await child.stdin.close().catch(() => {});
  await child.status;
}

/** Direct vs proxied 1 KiB GET: throughput with 50 connections, and latency with one. */
export async function httpFigures(seconds = 8): Promise<Figure[]> {
  await ensureWrk();
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-http-" });
  // "kibu" is the same plugin as a QNTX-style executable: unary HandleHTTP, no data channel.
  await Deno.writeTextFile(
    join(dir, "qntx-kibu-plugin"),
    `#!/bin/sh\nexec "${Deno.execPath()}" run --config "${REPO}deno.json" --allow-all ` +
      `"${join(REPO, "bench/fixtures/named_kib.ts")}" --name kibu "$@"\n`,
    { mode: 0o755 },
  );
  const paths = JSON.stringify([join(REPO, "bench/fixtures"), dir]);
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    `[server]\nport = 0\nslow_client_guard = "off"\n[auth]\ntoken = "${BENCH_TOKEN}"\n[plugin]\nenabled = ["kib", "kibu"]\n` +
      `paths = ${paths}\n` +
      // kibu runs `deno` from this checkout: unconfined, by the operator's trust.
      `[plugin.grants.kibu]\ntrusted = true\n`,
  );

  const direct = startChild(
    ["run", "--allow-net", join(REPO, "bench/fixtures/direct_server.ts")],
    REPO,
  );
  const host = startChild(["run", "--allow-all", join(REPO, "main.ts")], dir);
  // The same host with the slow-client guard in front, as it runs by default (the host above
  // has it off, so that the proxy hop is measured alone).
  const guardedDir = join(dir, "guarded");
  await Deno.mkdir(guardedDir);
  await Deno.writeTextFile(
    join(guardedDir, "am.toml"),
    `[server]\nport = 0\nslow_client_guard = "on"\n[auth]\ntoken = "${BENCH_TOKEN}"\n` +
      `[plugin]\nenabled = ["kib"]\npaths = ${paths}\n`,
  );
  const guarded = startChild(["run", "--allow-all", join(REPO, "main.ts")], guardedDir);
  try {
    const directPort = (await direct.waitFor(/LISTENING (\d+)/))[1];
    const hostPort = (await host.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    await host.waitFor(/plugin \\"kib\\" loading → running/);
    await host.waitFor(/plugin \\"kibu\\" loading → running/);
    const directUrl = `http://127.0.0.1:${directPort}/`;
    const proxiedUrl = `http://127.0.0.1:${hostPort}/api/kib/`;
    // Code warmed up first; then direct and proxied take turns, so a busy neighbour on this
    // shared machine weighs on both sides of the ratio alike.
    for (const url of [directUrl, proxiedUrl]) await wrk(url, 50, 1);
    const [a, b] = await alternate(directUrl, proxiedUrl, 50, seconds);
    const unaryUrl = `http://127.0.0.1:${hostPort}/api/kibu/`;
    const u = await wrk(unaryUrl, 50, seconds);
    const [a1, b1] = await alternate(directUrl, proxiedUrl, 1, Math.ceil(seconds / 2));
    const guardedPort = (await guarded.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    await guarded.waitFor(/plugin \\"kib\\" loading → running/);
    const guardedUrl = `http://127.0.0.1:${guardedPort}/api/kib/`;
    await wrk(guardedUrl, 50, 1);
    const [a2, g] = await alternate(directUrl, guardedUrl, 50, seconds);
    const ratio = b.requestsPerSecond / a.requestsPerSecond;
    return [
      { name: "1 KiB GET, Deno.serve directly (wrk -c50: req/s, p50, p99)", value: fmt(a) },
      { name: "1 KiB GET, SDK plugin behind the host (wrk -c50: req/s, p50, p99)", value: fmt(b) },
      {
        name: "proxied / direct throughput (data channel)",
        value: `${(ratio * 100).toFixed(0)} %`,
        target: "≥ 50 %",
      },
      {
        name: "1 KiB GET, the same plugin as a QNTX executable, unary HandleHTTP (req/s, p50, p99)",
        value: `${fmt(u)}; ${
          ((u.requestsPerSecond / a.requestsPerSecond) * 100).toFixed(0)
        } % of direct`,
      },
      {
        name: "the same behind the slow-client guard (req/s, p50, p99; share of direct)",
        value: `${fmt(g)}; ${((g.requestsPerSecond / a2.requestsPerSecond) * 100).toFixed(0)} %`,
      },
      {
        name: "added p50 latency, one connection (proxied − direct)",
        value: `${((b1.p50ms - a1.p50ms) * 1000).toFixed(0)} µs (direct ${
          (a1.p50ms * 1000).toFixed(0)
        } µs)`,
        target: "≤ 100 µs",
      },
    ];
  } finally {
    await stop(guarded.child);
    await stop(host.child);
    await stop(direct.child);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * wrk on each URL in turn, twice, each time for half of `seconds`; the figures are the means
 * of the two turns.
 */
async function alternate(
  first: string,
  second: string,
  connections: number,
  seconds: number,
): Promise<[WrkResult, WrkResult]> {
  const ofFirst: WrkResult[] = [];
  const ofSecond: WrkResult[] = [];
  const half = Math.max(1, Math.round(seconds / 2));
  for (let turn = 0; turn < 2; turn++) {
    ofFirst.push(await wrk(first, connections, half));
    ofSecond.push(await wrk(second, connections, half));
  }
  return [meanOf(ofFirst), meanOf(ofSecond)];
}

function meanOf(results: WrkResult[]): WrkResult {
  const mean = (key: keyof WrkResult) =>
    results.reduce((sum, result) => sum + result[key], 0) / results.length;
  return {
    requestsPerSecond: mean("requestsPerSecond"),
    p50ms: mean("p50ms"),
    p99ms: mean("p99ms"),
  };
}

function fmt(result: WrkResult): string {
  return `${Math.round(result.requestsPerSecond)} req/s, ${result.p50ms.toFixed(2)} ms, ${
    result.p99ms.toFixed(2)
  } ms`;
}
