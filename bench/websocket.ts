/**
 * WebSocket echo, relayed by the host vs served directly: messages per second over a few
 * connections each keeping a window of messages in flight, and the round trip of one message.
 * Direct and relayed (over the data channel) take turns, so a busy neighbour on a shared
 * machine weighs on both sides of the ratio alike; the same plugin as a QNTX executable shows
 * the `HandleWebSocket` (gRPC) path.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Figure } from "./supervision.ts";
import { startChild, stop } from "./http.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Echo throughput over `connections` sockets, `window` messages in flight each, for `ms`. */
async function echoRate(
  url: string,
  connections: number,
  window: number,
  ms: number,
): Promise<number> {
  const payload = "x".repeat(100);
  let received = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, () =>
      new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.onerror = () => reject(new Error(`cannot open ${url}`));
        socket.onopen = () => {
          for (let i = 0; i < window; i++) socket.send(payload);
        };
        socket.onmessage = () => {
          received++;
          if (Date.now() < end) socket.send(payload);
          else if (socket.readyState === WebSocket.OPEN) socket.close();
        };
        socket.onclose = () => resolve();
      })),
  );
  return received / (ms / 1000);
}

/** Median round trip of one message at a time, in microseconds. */
async function roundTrip(url: string, count: number): Promise<number> {
  const socket = new WebSocket(url);
  await new Promise((resolve) => socket.onopen = resolve);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const echoed = new Promise((resolve) => socket.onmessage = resolve);
    socket.send("ping");
    await echoed;
    samples.push((performance.now() - started) * 1000);
  }
  socket.close();
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function websocketFigures(seconds = 6): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-ws-" });
  // "kibu" is the same plugin as a QNTX-style executable: no data channel, HandleWebSocket.
  await Deno.writeTextFile(
    join(dir, "qntx-kibu-plugin"),
    `#!/bin/sh\nexec "${Deno.execPath()}" run --config "${REPO}deno.json" --allow-all ` +
      `"${join(REPO, "bench/fixtures/named_kib.ts")}" --name kibu "$@"\n`,
    { mode: 0o755 },
  );
  const paths = JSON.stringify([join(REPO, "bench/fixtures"), dir]);
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    // Messages are not checked once a socket is open: the relay's speed is measured without
    // the one credential check of each upgrade, and without the slow-client guard's hop.
    `[server]\nport = 0\nslow_client_guard = "off"\n[auth]\nenabled = false\n[plugin]\nenabled = ["kib", "kibu"]\n` +
      `paths = ${paths}\n` +
      `[plugin.grants.kibu]\ntrusted = true\n`,
  );
  const direct = startChild(
    ["run", "--allow-net", join(REPO, "bench/fixtures/direct_server.ts")],
    REPO,
  );
  const host = startChild(["run", "--allow-all", join(REPO, "main.ts")], dir);
  try {
    const directPort = (await direct.waitFor(/LISTENING (\d+)/))[1];
    const hostPort = (await host.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1];
    await host.waitFor(/plugin \\"kib\\" loading → running/);
    await host.waitFor(/plugin \\"kibu\\" loading → running/);
    const directUrl = `ws://127.0.0.1:${directPort}/ws`;
    const relayedUrl = `ws://127.0.0.1:${hostPort}/kib-ws`;
    const grpcUrl = `ws://127.0.0.1:${hostPort}/kibu-ws`;
    // Code warmed up first; then two turns each, half the time each, and the means.
    for (const url of [directUrl, relayedUrl]) await echoRate(url, 4, 32, 1000);
    const half = (seconds * 1000) / 2;
    const rates = { direct: [] as number[], relayed: [] as number[] };
    const trips = { direct: [] as number[], relayed: [] as number[] };
    for (let turn = 0; turn < 2; turn++) {
      rates.direct.push(await echoRate(directUrl, 4, 32, half));
      rates.relayed.push(await echoRate(relayedUrl, 4, 32, half));
      trips.direct.push(await roundTrip(directUrl, 500));
      trips.relayed.push(await roundTrip(relayedUrl, 500));
    }
    const g = await echoRate(grpcUrl, 4, 32, half);
    const rtG = await roundTrip(grpcUrl, 500);
    const [a, b] = [mean(rates.direct), mean(rates.relayed)];
    const [rtA, rtB] = [mean(trips.direct), mean(trips.relayed)];
    return [
      {
        name: "WebSocket echo, served directly (messages/s, 4 sockets × 32 in flight)",
        value: `${Math.round(a)}`,
      },
      {
        name: "WebSocket echo, relayed by the host to a plugin over the data channel (messages/s)",
        value: `${Math.round(b)}`,
      },
      {
        name: "relayed / direct WebSocket messages",
        value: `${((b / a) * 100).toFixed(0)} %`,
        target: "≥ 50 %",
      },
      {
        name: "WebSocket round trip of one message (median): relayed, direct",
        value: `${rtB.toFixed(0)} µs, ${rtA.toFixed(0)} µs`,
      },
      {
        name:
          "the same plugin as a QNTX executable, HandleWebSocket over gRPC (messages/s; round trip)",
        value: `${Math.round(g)}, ${((g / a) * 100).toFixed(0)} % of direct; ${rtG.toFixed(0)} µs`,
      },
    ];
  } finally {
    await stop(host.child);
    await stop(direct.child);
    await Deno.remove(dir, { recursive: true });
  }
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
