/**
 * The HTTP proxy's cost, measured side by side in one run with wrk: (a) a 1 KiB GET answered
 * directly by Deno.serve; (b) the same handler in an SDK plugin behind the host, over the data
 * channel; (c) the same plugin as a QNTX executable, over unary gRPC. (a) and (b) take turns.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Figure } from "./supervision.ts";
import { alternating, percent, ratios, shown, spread, whole } from "./turns.ts";

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

/**
 * Direct vs proxied 1 KiB GET, in alternating turns: throughput with 50 connections (a fetch
 * handler, a route as the README writes one, a QNTX executable over unary `HandleHTTP`, the
 * default host behind its slow-client front), and the latency one connection adds.
 */
export async function httpFigures(seconds = 3, turns = 3): Promise<Figure[]> {
  await ensureWrk();
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-http-" });
  // "kibu" is the same plugin as a QNTX-style executable: unary HandleHTTP, no data channel.
  await Deno.writeTextFile(
    join(dir, "qntx-kibu-plugin"),
    `#!/bin/sh\nexec "${Deno.execPath()}" run --config "${REPO}deno.json" --allow-all ` +
      `"${join(REPO, "bench/fixtures/named_kib.ts")}" --name kibu "$@"\n`,
    { mode: 0o755 },
  );
  // The Go example, a QNTX program as QNTX's own are written (gRPC in Go): it answers 1 KiB at
  // /kib. Built offline from Debian's packages; without them its figure says why not.
  const built = await new Deno.Command(join(REPO, "proto/examples/go/build.sh"), {
    args: [dir],
    stdout: "null",
    stderr: "piped",
  }).output();
  const goProblem = built.success ? undefined : new TextDecoder().decode(built.stderr).trim();
  const paths = JSON.stringify([join(REPO, "bench/fixtures"), dir]);
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    `[server]\nport = 0\nslow_client_guard = "off"\n[auth]\ntoken = "${BENCH_TOKEN}"\n` +
      `[plugin]\nenabled = ${
        JSON.stringify(goProblem ? ["kib", "kibu"] : ["kib", "kibu", "gonotes"])
      }\npaths = ${paths}\n` +
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
  const echoPath = join(dir, "echo.sock");
  const echo = startChild([
    "run",
    "--allow-all",
    join(REPO, "bench/fixtures/socket_echo.ts"),
    echoPath,
  ], REPO);
  try {
    const directPort = (await direct.waitFor(/LISTENING (\d+)/))[1];
    const hostPort = (await host.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    await host.waitFor(/plugin \\"kib\\" loading → running/);
    await host.waitFor(/plugin \\"kibu\\" loading → running/);
    if (!goProblem) await host.waitFor(/plugin \\"gonotes\\" loading → running/);
    const guardedPort = (await guarded.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    await guarded.waitFor(/plugin \\"kib\\" loading → running/);
    const urls = {
      direct: `http://127.0.0.1:${directPort}/`,
      fetch: `http://127.0.0.1:${hostPort}/api/kib/`,
      route: `http://127.0.0.1:${hostPort}/api/kib/kib/bench`,
      unary: `http://127.0.0.1:${hostPort}/api/kibu/`,
      guarded: `http://127.0.0.1:${guardedPort}/api/kib/kib/bench`,
    };
    // Code warmed up first; then every side takes its turn, `turns` times.
    const goUrl = `http://127.0.0.1:${hostPort}/api/gonotes/kib`;
    for (const url of [...Object.values(urls), ...(goProblem ? [] : [goUrl])]) {
      await wrk(url, 50, 1);
    }
    const at = (url: string, connections: number, time = seconds) => () =>
      wrk(url, connections, time);
    const [d, f, r, u, g, go] = await alternating(turns, [
      at(urls.direct, 50),
      at(urls.fetch, 50),
      at(urls.route, 50),
      at(urls.unary, 50),
      at(urls.guarded, 50),
      ...(goProblem ? [] : [at(goUrl, 50)]),
    ]);
    const [d1, r1] = await alternating(turns, [at(urls.direct, 1, 2), at(urls.route, 1, 2)]);
    await echo.waitFor(/LISTENING/);
    const floor = (await alternating(turns, [() => roundTrip(echoPath)]))[0]!;
    const rps = (results: WrkResult[]) => results.map((result) => result.requestsPerSecond);
    const share = (results: WrkResult[]) => ratios(rps(results), rps(d!));
    const added = r1!.map((result, i) => (result.p50ms - d1![i]!.p50ms) * 1000);
    const checked = (name: string, values: number[], target: string, atLeast: number) => ({
      name,
      value: shown(values, percent),
      target,
      check: { measured: spread(values).median, atLeast },
    });
    return [
      { name: "1 KiB GET, Deno.serve directly (req/s, wrk -c50)", value: shown(rps(d!), whole) },
      {
        name: "1 KiB GET, SDK plugin route behind the host (req/s; p50, p99 of the median turn)",
        value: `${shown(rps(r!), whole)}; ${fmtLatency(r!)}`,
      },
      checked("proxied / direct, a route as the README writes one", share(r!), "≥ 65 %", 0.65),
      {
        name: "proxied / direct, a bare fetch handler",
        value: shown(share(f!), percent),
      },
      checked(
        "behind the slow-client front (the default) / direct",
        share(g!),
        "≥ 55 %",
        0.55,
      ),
      go
        ? checked(
          "a QNTX program in Go (the example) over unary HandleHTTP / direct",
          share(go),
          "≥ 20 %",
          0.20,
        )
        : { name: "a QNTX program in Go over unary HandleHTTP", value: `not built: ${goProblem}` },
      {
        name: "the same over unary HandleHTTP, the program in Deno (grpc-js serving) / direct",
        value: shown(share(u!), percent),
      },
      {
        name: "added p50 latency, one connection (proxied route − direct)",
        value: `${shown(added, (v) => `${v.toFixed(0)} µs`)}; direct ${
          shown(d1!.map((result) => result.p50ms * 1000), (v) => `${v.toFixed(0)} µs`)
        }`,
        target: "≤ 60 µs",
        check: { measured: spread(added).median, atMost: 60 },
      },
      {
        name: "a round trip of 8 bytes between two Deno processes on a Unix socket (calibration)",
        value: shown(floor, (v) => `${v.toFixed(0)} µs`),
      },
    ];
  } finally {
    await stop(echo.child);
    await stop(guarded.child);
    await stop(host.child);
    await stop(direct.child);
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The mean time of one round trip to another Deno process over a Unix socket (5 000 of them):
 * what any hop between two processes costs this machine at least, before any work.
 */
async function roundTrip(path: string, count = 5000): Promise<number> {
  const conn = await Deno.connect({ transport: "unix", path });
  const buffer = new Uint8Array(64);
  try {
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      await conn.write(buffer.subarray(0, 8));
      let read = 0;
      while (read < 8) read += (await conn.read(buffer.subarray(read))) ?? Infinity;
    }
    return (performance.now() - started) / count * 1000;
  } finally {
    conn.close();
  }
}

/** p50 and p99 of the turn with the median throughput. */
function fmtLatency(results: WrkResult[]): string {
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[sorted.length >> 1]!;
  return `${middle.p50ms.toFixed(2)} ms, ${middle.p99ms.toFixed(2)} ms`;
}
