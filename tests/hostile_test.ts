/**
 * A hostile plugin written with the SDK tries every way out of its sandbox and tries to pass
 * itself off as another plugin: each attempt fails, and the host records the denials.
 */
import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForRestart, waitForState } from "./_in_process_host.ts";

async function attempts(test: TestHost): Promise<Record<string, string>> {
  const response = await fetch(new URL("/api/hostile/attempts", test.host.url));
  assert.equal(response.status, 200);
  return await response.json();
}

Deno.test("every escape a hostile plugin tries is denied and recorded", async () => {
  const test = await startTestHost(["hostile", "echo"]);
  try {
    await waitForState(test.host.registry, "hostile", "running");
    await waitForState(test.host.registry, "echo", "running");
    const first = await attempts(test);
    const denied = "NotCapable";
    assert.deepEqual(first, {
      readPasswd: denied,
      readSibling: denied,
      readOtherData: denied,
      writeOutside: denied,
      env: denied,
      network: denied,
      otherPluginSocket: denied,
      spawn: denied,
      ffi: denied,
      hostServiceNoToken: "refused: invalid authentication token",
      hostServiceForgedToken: "refused: invalid authentication token",
      hostServiceReplayedToken: "no earlier token yet",
      posingAsBiotech: "identity kept: hostile",
    });
    // A new process gets a new token: the old one, replayed, is worth nothing.
    const pid = test.host.supervisor.get("hostile")!.pid!;
    await test.host.supervisor.restart("hostile");
    await waitForRestart(test.host, "hostile", pid);
    const second = await attempts(test);
    assert.equal(second.hostServiceReplayedToken, "refused: invalid authentication token");

    // The host noticed: the denied accesses are listed for this plugin.
    const end = Date.now() + 10_000;
    let kinds = new Set<string>();
    while (Date.now() < end) {
      const view = await (await fetch(new URL("/api/plugins/hostile", test.host.url))).json();
      kinds = new Set(view.process.denied.map((d: { permission: string }) => d.permission));
      if (["read", "write", "env", "net"].every((kind) => kinds.has(kind))) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(["read", "write", "env", "net"].every((kind) => kinds.has(kind)), [...kinds].join());
    const echo = await (await fetch(new URL("/api/plugins/echo", test.host.url))).json();
    assert.deepEqual(echo.process.denied, [], "denials are recorded per plugin");
  } finally {
    await test.close();
  }
});
