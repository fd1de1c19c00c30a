import assert from "node:assert/strict";
import { parseHostConfig } from "../src/config/mod.ts";
import { discoverPlugin } from "../src/supervisor/mod.ts";
import { REPO } from "../tests/_host_process.ts";
import { compilePlan } from "./compile_plan.ts";

Deno.test("compilePlan() builds the host and each plugin with its sandbox baked in", async () => {
  const config = parseHostConfig(
    `[plugin]\nenabled = ["echo", "greedy"]\ndata_dir = "/srv/data"\nruntime_dir = "/srv/run"\n`,
    "am.toml",
  );
  const echo = await discoverPlugin("echo", ["tests/fixtures/plugins"], REPO);
  const greedy = await discoverPlugin("greedy", ["tests/fixtures/plugins"], REPO);
  assert.ok(echo.ok && greedy.ok);
  const plan = compilePlan(config, [echo.plugin, greedy.plugin], "/out", REPO);
  assert.deepEqual(plan.steps[0]!.args, [
    "compile",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-run",
    "--allow-sys",
    "--include",
    "am.example.toml",
    "--output",
    "/out/qntx-host",
    "main.ts",
  ]);
  const plugin = plan.steps[1]!;
  assert.equal(plugin.args[0], "compile");
  assert.ok(plugin.args.includes("--no-prompt"));
  // The launch folders' sockets are at the same paths at every launch: its two slots (an
  // upgrade starts the new version in the other).
  const socketsOf = (run: string) => [`${run}/plugin.sock`, `${run}/data.sock`, `${run}/host.sock`];
  const sockets = [
    ...socketsOf("/srv/run/plugins/echo"),
    ...socketsOf("/srv/run/plugins/echo.next"),
  ];
  assert.ok(
    plugin.args.includes(`--allow-read=/out/plugins/echo,/srv/data/echo,${sockets.join(",")}`),
    plugin.args.join(" "),
  );
  assert.ok(
    plugin.args.includes(`--allow-net=${sockets.map((socket) => `unix:${socket}`).join(",")}`),
  );
  assert.ok(!plugin.args.some((arg) => arg === "--allow-all" || arg === "-A"));
  assert.deepEqual(plugin.args.slice(-3), [
    "--output",
    "/out/plugins/echo/echo",
    `${REPO}tests/fixtures/plugins/echo/main.ts`,
  ]);
  assert.deepEqual(plugin.manifest, {
    path: "/out/plugins/echo/plugin.json",
    content: {
      name: "echo",
      version: "1.0.0",
      description: "the conformance plugin of the host's tests",
      permissions: { write: [], net: [], env: [], run: [], ffi: [], sys: [], all: false },
      executable: "echo",
    },
  });
  assert.equal(plan.steps.length, 2, "an untrusted plugin asking for run is not built");
  assert.match(plan.problems[0]!, /plugin "greedy" asks for run \(git\)/);
});
