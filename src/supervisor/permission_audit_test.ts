import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { DeniedLog, PermissionAudit } from "./permission_audit.ts";
import type { Granted } from "./sandbox.ts";

const NOTHING: Granted = {
  read: [],
  write: [],
  net: [],
  env: [],
  run: [],
  ffi: [],
  sys: [],
  all: false,
};

Deno.test("DeniedLog - a plugin denied endlessly cannot flood the host's log or memory", () => {
  const sink = memorySink();
  const log = new DeniedLog("noisy", new JsonLogger("host", { sink, level: "debug" }));
  for (let i = 0; i < 5000; i++) {
    log.add({ at: i, permission: "read", value: `/nope/${i}` });
    log.add({ at: i, permission: "read", value: `/nope/${i}` });
  }
  assert.equal(sink.records.length, 1001);
  assert.match(String(sink.records.at(-1)!.msg), /more than 1000 distinct accesses/);
  assert.equal(log.entries().length, 100);
  assert.equal(log.entries().at(-1)!.value, "/nope/4999");
});

Deno.test("PermissionAudit - reads a bounded slice per poll and starts a large file over", async () => {
  const file = await Deno.makeTempFile();
  try {
    const line = JSON.stringify({ permission: "read", value: "/x".padEnd(200, "x") }) + "\n";
    await Deno.writeTextFile(file, line.repeat(30_000)); // ~6.3 MiB
    const denied: string[] = [];
    const audit = new PermissionAudit(file, NOTHING, (access) => denied.push(access.value));
    await audit.poll();
    assert.ok(denied.length > 0 && denied.length < 6000, `${denied.length} in one poll`);
    for (let i = 0; i < 10; i++) await audit.poll();
    assert.equal(denied.length, 30_000);
    await Deno.writeTextFile(file, line.repeat(90_000), { append: true }); // past 16 MiB
    for (let i = 0; i < 40; i++) await audit.poll();
    assert.equal((await Deno.stat(file)).size, 0, "the audit file started over");
  } finally {
    await Deno.remove(file);
  }
});
