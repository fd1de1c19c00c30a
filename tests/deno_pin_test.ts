/**
 * Deno is pinned to 2.9.3: 2.9.4 to 2.9.6 abort inside their bundled nghttp2 when gRPC clients
 * come and go (denoland/deno#36788). Every place that names the version must agree, and the
 * suite must be running on it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

const PINNED = "2.9.3";

Deno.test(`the suite runs on the pinned Deno ${PINNED}`, () => {
  assert.equal(Deno.version.deno, PINNED, `run the suite with: npx -y deno@${PINNED} task test`);
});

Deno.test("README, CI and the workflow all name the pinned Deno", () => {
  for (const file of ["README.md", ".ci/run", ".github/workflows/ci.yml"]) {
    const text = Deno.readTextFileSync(join(REPO, file));
    const named = [...text.matchAll(/deno@(\d+\.\d+\.\d+)/g)].map((match) => match[1]);
    assert.ok(named.length > 0, `${file} does not name deno@${PINNED}`);
    assert.deepEqual([...new Set(named)], [PINNED], `${file} names another Deno version`);
  }
});

Deno.test("deno task start grants the host exactly HOST_PERMISSIONS", async () => {
  const { HOST_PERMISSIONS } = await import("../src/host/mod.ts");
  const tasks = JSON.parse(Deno.readTextFileSync(join(REPO, "deno.json"))).tasks;
  const start: string = tasks.start.command;
  const granted = start.split(" ").filter((arg) => arg.startsWith("--allow"));
  assert.deepEqual(granted, [...HOST_PERMISSIONS]);
});
