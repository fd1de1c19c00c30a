import assert from "node:assert/strict";
import { FIXTURES, startTestHost, waitForState } from "./_in_process_host.ts";

Deno.test("a plugin's every attempt to leave its sandbox is denied by Deno and recorded by the host", async () => {
  const test = await startTestHost(["snoop"]);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "snoop", "running");
    const snoop = supervisor.get("snoop")!;
    const response = await snoop.connection!.call("executeJob", {
      jobId: "probe-1",
      handlerName: "probe",
      payload: new Uint8Array(),
      timeoutSecs: 10n,
    }, 10_000);
    assert.equal(response.success, true, response.error);
    const results = JSON.parse(new TextDecoder().decode(response.result));
    assert.deepEqual(results, {
      passwd: "NotCapable",
      env: "NotCapable",
      sibling: "NotCapable",
      network: "NotCapable",
      spawn: "NotCapable",
      ownFolder: "allowed",
    });

    await snoop.checkAudit();
    const denied = snoop.denied.entries().map((access) => `${access.permission} ${access.value}`);
    for (
      const expected of [
        "read /etc/passwd",
        "env HOME",
        `read ${FIXTURES}/echo/main.ts`,
        "net 127.0.0.1:9",
        // Deno 2.9.3's audit leaves out refused subprocess spawns: denied above, not recorded.
      ]
    ) {
      assert.ok(
        denied.includes(expected),
        `"${expected}" was not recorded; recorded: ${denied.join(", ")}`,
      );
    }
    assert.ok(
      !denied.some((entry) => entry.includes("snoop/plugin.json")),
      "an allowed read was recorded",
    );
    assert.ok(
      test.logs.some((line) =>
        line.msg ===
          `plugin "snoop" tried to use read "/etc/passwd" without a grant; Deno denied it`
      ),
    );
  } finally {
    await test.close();
  }
});

Deno.test("a plugin gets a clean environment: none of the host's variables leak in", async () => {
  Deno.env.set("QNTX_TEST_SECRET", "do-not-leak");
  const test = await startTestHost(["echo"]);
  try {
    await waitForState(test.host.registry, "echo", "running");
    const pid = test.host.supervisor.get("echo")!.pid!;
    const environ = await Deno.readFile(`/proc/${pid}/environ`);
    const names = new TextDecoder().decode(environ).split("\0").filter(Boolean).map((entry) =>
      entry.split("=")[0]
    );
    assert.ok(!names.includes("QNTX_TEST_SECRET"), `the plugin saw: ${names.join(", ")}`);
    for (const name of names) {
      assert.ok(
        [
          "HOME",
          "DENO_DIR",
          "XDG_CACHE_HOME",
          "NO_COLOR",
          "DENO_NO_UPDATE_CHECK",
          "DENO_AUDIT_PERMISSIONS",
          "TZ",
        ].includes(name!),
        `unexpected variable ${name}`,
      );
    }
    const runtime = await Deno.stat(`${test.dir}/data/run`);
    assert.equal(runtime.mode! & 0o777, 0o700, "the sockets' folder must be the host's alone");
    const cmdline = new TextDecoder().decode(await Deno.readFile(`/proc/${pid}/cmdline`)).split(
      "\0",
    );
    assert.ok(cmdline.includes("--no-prompt"));
    assert.ok(!cmdline.includes("--allow-all") && !cmdline.includes("-A"));
    assert.ok(!cmdline.some((arg) => /[0-9a-f]{64}/.test(arg)), "the token must never be in argv");
  } finally {
    Deno.env.delete("QNTX_TEST_SECRET");
    await test.close();
  }
});
