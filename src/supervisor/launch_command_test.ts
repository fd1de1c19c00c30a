import assert from "node:assert/strict";
import { parseManifest } from "./manifest.ts";
import { launchCommand, type LaunchContext } from "./launch_command.ts";
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
