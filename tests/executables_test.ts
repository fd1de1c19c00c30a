import assert from "node:assert/strict";
import { alive, startTestHost, waitForState } from "./_in_process_host.ts";
import { prebuiltPlugins } from "./_programs.ts";

Deno.test({
  name: "a QNTX-style executable is found by name, told a port, and supervised like any plugin",
  // A QNTX program is spoken to over gRPC: grpc-js keeps a reconnect timer of the client of the
  // process this test SIGKILLs for a while after the client is closed (CI saw it once in ten
  // runs under load). Resources stay sanitized; the processes are checked gone below.
  sanitizeOps: false,
}, async () => {
  const { dir, grants } = await prebuiltPlugins();
  const test = await startTestHost(["portecho", "sdkexe"], grants, [dir]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "portecho", "running");
    await waitForState(registry, "sdkexe", "running");
    const portecho = supervisor.get("portecho")!;
    assert.equal(portecho.found.kind, "qntx-executable");
    assert.equal(supervisor.get("sdkexe")!.found.kind, "sdk-executable");
    const cmdline = new TextDecoder().decode(await Deno.readFile(`/proc/${portecho.pid}/cmdline`));
    assert.match(cmdline, /--name\0portecho\0--port\0\d+\0$/);

    const first = portecho.pid!;
    Deno.kill(first, "SIGKILL");
    await waitForState(registry, "portecho", "loading");
    await waitForState(registry, "portecho", "running");
    assert.notEqual(portecho.pid, first);

    const pid = portecho.pid!;
    await supervisor.disable("portecho");
    assert.equal(registry.getState("portecho"), "stopped");
    assert.ok(!alive(pid));
  } finally {
    await test.close();
    await Deno.remove(dir, { recursive: true });
  }
});
