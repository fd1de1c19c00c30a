import assert from "node:assert/strict";
import { confine, type ConfineInput } from "./confine.ts";
import type { FoundPlugin } from "./discovery.ts";

const FOLDER = {
  dir: "/run/host/plugins/p.1",
  socket: "/run/host/plugins/p.1/plugin.sock",
  dataSocket: "/run/host/plugins/p.1/data.sock",
  hostSocket: "/run/host/plugins/p.1/host.sock",
};
const EXECUTABLE: FoundPlugin = {
  name: "p",
  kind: "qntx-executable",
  dir: "/opt/plugins",
  executable: "/opt/plugins/qntx-p-plugin",
};

function input(over: Partial<ConfineInput>): ConfineInput {
  return {
    found: EXECUTABLE,
    dataDir: "/srv/data/p",
    folder: FOLDER,
    auditFile: "/run/host/p.audit.jsonl",
    trusted: false,
    tools: { bwrap: "/usr/bin/bwrap", setpriv: "/usr/bin/setpriv" },
    execPath: "/usr/local/bin/deno",
    denoConfig: "/srv/host/deno.json",
    hostEnv: {},
    read: [],
    write: [],
    ...over,
  };
}

Deno.test("confine() - an untrusted executable without bubblewrap is refused, naming the package", async () => {
  const result = await confine(input({ tools: { setpriv: "/usr/bin/setpriv" } }), "prog", []);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.match(result.refused, /apt-get install bubblewrap/);
    assert.match(result.refused, /trusted = true in \[plugin\.grants\.p\]/);
  }
});

Deno.test("confine() - a trusted plugin runs unconfined but dies with the host", async () => {
  const result = await confine(input({ trusted: true }), "prog", ["--port", "1"]);
  assert.deepEqual(result, {
    ok: true,
    command: "/usr/bin/setpriv",
    args: ["--pdeathsig", "KILL", "--", "prog", "--port", "1"],
    confined: false,
  });
});

Deno.test("confine() - an executable sees the system, its folder read-only, its data and launch folders", async () => {
  const result = await confine(input({}), "/opt/plugins/qntx-p-plugin", ["--port", "1"]);
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.command, "/usr/bin/bwrap");
  assert.equal(result.confined, true);
  const args = result.args.join(" ");
  for (
    const expected of [
      "--die-with-parent",
      "--unshare-pid",
      "--cap-drop ALL",
      "--tmpfs /tmp",
      "--ro-bind-try /usr /usr",
      "--ro-bind /opt/plugins /opt/plugins",
      "--bind /srv/data/p /srv/data/p",
      "--bind /run/host/plugins/p.1 /run/host/plugins/p.1",
      "--chdir /opt/plugins -- /opt/plugins/qntx-p-plugin --port 1",
    ]
  ) assert.ok(args.includes(expected), `${expected} in ${args}`);
  // Nothing of the host's own folder, the machine's users or the network's isolation.
  assert.ok(!args.includes("/srv/host"));
  assert.ok(!args.includes("/etc/passwd"));
  assert.ok(!args.includes("--unshare-net"));
});
