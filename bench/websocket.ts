/**
 * WebSocket echo, relayed by the host vs served directly: messages per second over a few
 * connections each keeping a window of messages in flight, and the round trip of one message.
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

export async function websocketFigures(seconds = 5): Promise<Figure[]> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-ws-" });
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    `[server]\nport = 0\n[plugin]\nenabled = ["kib"]\npaths = ["${
      join(REPO, "bench/fixtures")
    }"]\n`,
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
    const directUrl = `ws://127.0.0.1:${directPort}/ws`;
    const relayedUrl = `ws://127.0.0.1:${hostPort}/kib-ws`;
    const a = await echoRate(directUrl, 4, 32, seconds * 1000);
    const b = await echoRate(relayedUrl, 4, 32, seconds * 1000);
    const rtA = await roundTrip(directUrl, 500);
    const rtB = await roundTrip(relayedUrl, 500);
    return [
      {
        name: "WebSocket echo, served directly (messages/s, 4 sockets × 32 in flight)",
        value: `${Math.round(a)}`,
      },
      {
        name: "WebSocket echo, relayed by the host to a plugin (messages/s)",
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
    ];
  } finally {
    await stop(host.child);
    await stop(direct.child);
    await Deno.remove(dir, { recursive: true });
  }
}
