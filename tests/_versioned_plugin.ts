/** A plugin with versions, and the load an upgrade must not disturb (upgrade and install tests). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";
import type { TestHost } from "./_in_process_host.ts";

export const NAME = "tool";

/**
 * Writes version `version` of the plugin `tool` into `<root>/tool/` (or `dir` itself): `GET /version` answers it,
 * `GET /slow?ms=N` after N ms, a WebSocket echoes with it, job `which` returns it after
 * `payload.ms`. `body` replaces the plugin's definition members (a broken version).
 */
export async function writeVersion(
  root: string,
  version: string,
  options: {
    members?: string;
    qntxVersion?: string;
    preamble?: string;
    dir?: string;
    permissions?: Record<string, unknown>;
  } = {},
): Promise<void> {
  const dir = options.dir ?? join(root, NAME);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "plugin.json"),
    JSON.stringify({ name: NAME, version, entry: "main.ts", permissions: options.permissions }),
  );
  await Deno.writeTextFile(
    join(dir, "main.ts"),
    `import { definePlugin, serve } from "${REPO}src/sdk/mod.ts";
${options.preamble ?? ""}
const version = "${version}";
await serve(definePlugin({
  metadata: { name: "${NAME}", version, qntxVersion: "${
      options.qntxVersion ?? ""
    }", description: "", author: "", license: "" },
  routes: [
    { method: "GET", path: "/version", handler: () => new Response(version) },
    {
      method: "GET",
      path: "/slow",
      handler: async (request) => {
        const ms = Number(new URL(request.url).searchParams.get("ms") ?? "0");
        await new Promise((resolve) => setTimeout(resolve, ms));
        return new Response(version);
      },
    },
  ],
  websocket: {
    "/": (socket) => {
      socket.onmessage = (event) => socket.send(version + ":" + event.data);
    },
  },
  jobs: {
    which: async (payload) => {
      await new Promise((resolve) => setTimeout(resolve, (payload as { ms?: number })?.ms ?? 0));
      return { version };
    },
  },
  ${options.members ?? ""}
}));
`,
  );
}

/** Requests from `clients` loops until stopped: every status and body, in order of answer. */
export function steadyLoad(test: TestHost, clients: number) {
  const answers: { status: number; body: string; startedAt: number }[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (running) {
      const path = i % 2 === 0 ? "/version" : "/slow?ms=40";
      const startedAt = Date.now();
      const response = await fetch(new URL(`/api/${NAME}${path}`, test.host.url));
      answers.push({ status: response.status, body: await response.text(), startedAt });
    }
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Queues job `which` (it takes `ms`), then waits until the job is in one of `statuses`. */
export async function runJob(
  test: TestHost,
  ms: number,
  statuses = ["completed", "failed", "cancelled"],
): Promise<Record<string, unknown>> {
  const id = await test.host.services.queue().enqueue({
    handlerName: `${NAME}/which`,
    payload: new TextEncoder().encode(JSON.stringify({ ms })),
  });
  return await jobReaching(test, id, statuses);
}

/** Polls job `id` until its status is one of `statuses`. */
export async function jobReaching(
  test: TestHost,
  id: string,
  statuses = ["completed", "failed", "cancelled"],
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { job } = await (await fetch(new URL(`/api/pulse/jobs/${id}`, test.host.url))).json();
    if (statuses.includes(job.status)) return job;
    assert.ok(Date.now() < deadline, `job ${id} did not reach ${statuses}: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function openSocket(test: TestHost) {
  const url = new URL(`/${NAME}-ws/`, test.host.url);
  url.protocol = "ws:";
  const socket = new WebSocket(url);
  const messages: string[] = [];
  socket.onmessage = (event) => messages.push(String(event.data));
  const opened = new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  return { socket, messages, opened, closed };
}
