import assert from "node:assert/strict";
import { parseManifest } from "./manifest.ts";
import { launchCommand, type LaunchContext, programArgs } from "./launch_command.ts";
import { NO_GRANTS } from "./sandbox.ts";
import type { FoundPlugin } from "./discovery.ts";

const CONTEXT: LaunchContext = {
  execPath: "/usr/bin/deno",
  denoConfig: "/srv/host/deno.json",
  paths: {
    pluginDir: "/srv/plugins/tool",
    dataDir: "/srv/data/plugins/tool",
    socket: "/srv/run/plugins/tool/plugin.sock",
    hostSockets: [],
  },
  tcpPort: 0,
  grants: NO_GRANTS,
  hostEnv: { HOME: "/root", SECRET: "s3cret" },
  auditFile: "/srv/run/tool.audit.jsonl",
};

function compiled(permissions: Record<string, unknown>): FoundPlugin {
  const manifest = parseManifest(
    JSON.stringify({ name: "tool", version: "1.0.0", executable: "tool", permissions }),
    "plugin.json",
  );
  return {
    name: "tool",
    kind: "sdk-executable",
    dir: "/srv/plugins/tool",
    executable: "/srv/plugins/tool/tool",
    manifest,
    manifestSha256: "0".repeat(64),
  };
}

Deno.test("launchCommand() - a compiled SDK plugin asking to leave the sandbox needs trust too", () => {
  const refused = launchCommand(compiled({ run: ["sh"], env: ["SECRET"] }), CONTEXT);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.refused.join(), /asks for run \(sh\).*trusted = true/);
  const trusted = launchCommand(compiled({ run: ["sh"] }), {
    ...CONTEXT,
    grants: { ...NO_GRANTS, trusted: true },
  });
  assert.equal(trusted.ok, true);
});

Deno.test("launchCommand() - a compiled SDK plugin gets only the variables its sandbox grants", () => {
  const plain = launchCommand(compiled({}), CONTEXT);
  assert.ok(plain.ok);
  if (plain.ok) assert.equal(plain.env.SECRET, undefined);
});

Deno.test("launchCommand() - a QNTX program: --port first, the operator's args, the tools' PATH", () => {
  const program: FoundPlugin = {
    name: "meili",
    kind: "qntx-executable",
    dir: "/srv/plugins/meili",
    executable: "/srv/plugins/meili/qntx-meili-plugin",
    tree: true,
  };
  const hostEnv = { HOME: "/root", PATH: "/usr/bin:/bin", SHELL: "/bin/bash", SECRET: "s" };
  const command = launchCommand(program, {
    ...CONTEXT,
    hostEnv,
    tcpPort: 41000,
    programArgs: ["--embedded"],
  });
  assert.ok(command.ok);
  assert.deepEqual(command.args, ["--port", "41000", "--embedded"]);
  assert.equal(command.env.PATH, "/usr/bin:/bin");
  assert.equal(command.env.SHELL, "/bin/bash");
  assert.equal(command.env.SECRET, undefined);
  // The operator narrows what it inherits.
  const narrowed = launchCommand(program, {
    ...CONTEXT,
    hostEnv,
    grants: { ...NO_GRANTS, program_env: [] },
  });
  assert.ok(narrowed.ok);
  assert.deepEqual([narrowed.env.PATH, narrowed.env.SHELL], [undefined, undefined]);
});

Deno.test("programArgs() takes a list of strings and names the setting otherwise", () => {
  assert.deepEqual(programArgs("meili", undefined), { ok: true, args: [] });
  assert.deepEqual(programArgs("meili", ["--a", "b"]), { ok: true, args: ["--a", "b"] });
  for (const bad of ["--a", [1], [["x"]], Array(65).fill("x"), ["a\0b"], ["x".repeat(5000)]]) {
    const result = programArgs("meili", bad);
    assert.ok(!result.ok);
    assert.match(result.problem, /\[meili\] args/);
  }
});
