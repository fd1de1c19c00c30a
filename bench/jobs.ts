/**
 * The Pulse queue end to end: jobs enqueued in the host, taken by the workers, run on a real
 * SDK plugin process through `ExecuteJob`, and recorded as completed, on a real SQLite file.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHostConfig } from "../src/config/mod.ts";
import { startHost } from "../src/host/mod.ts";
import { JsonLogger, memorySink } from "../src/log/mod.ts";
import type { Figure } from "./supervision.ts";

const FIXTURES = join(
  fileURLToPath(new URL("..", import.meta.url)),
  "tests",
  "fixtures",
  "plugins",
);

async function throughput(workers: number, count: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-bench-jobs-" });
  const config = parseHostConfig(
    `[server]\nport = 0\n[plugin]\nenabled = ["worker"]\npaths = ${
      JSON.stringify([FIXTURES])
    }\nhealth_interval = "1h"\n[pulse]\nworkers = ${workers}\n`,
    "bench",
  );
  const host = startHost(config, {
    logger: new JsonLogger("host", { sink: memorySink(), level: "error" }),
    version: "0.1.0",
    databasePath: join(dir, "qntx.db"),
    cwd: dir,
  });
  try {
    await host.pluginsStarted;
    const queue = host.services.queue();
    const completed = host.db.prepare(
      "SELECT COUNT(*) AS n FROM jobs WHERE handler_name = 'worker/noop' AND status = 'completed'",
    );
    const payload = new TextEncoder().encode('{"n":1}');
    const started = performance.now();
    for (let i = 0; i < count; i++) await queue.enqueue({ handlerName: "worker/noop", payload });
    while (Number(completed.get()?.n) < count) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return count / ((performance.now() - started) / 1000);
  } finally {
    await host.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

export async function jobFigures(count = 10_000): Promise<Figure[]> {
  await throughput(4, 500); // warm-up: module loading, JIT
  const one = await throughput(1, count);
  const four = await throughput(4, count);
  return [
    {
      name: `jobs through a plugin, enqueue → completed, 4 workers (${
        count.toLocaleString("en")
      } jobs)`,
      value: `${Math.round(four)}/s`,
      target: "≥ 2 000/s",
    },
    {
      name: "the same with 1 worker",
      value: `${Math.round(one)}/s`,
    },
  ];
}
