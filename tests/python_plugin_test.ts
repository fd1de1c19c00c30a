/**
 * A plugin written in Python with grpcio (tests/fixtures/python/qntx-pyecho-plugin), nothing of
 * our SDK, run by the real host as a QNTX-style executable.
 */
import assert from "node:assert/strict";
import { alive, startTestHost, waitForState } from "./_in_process_host.ts";
import { pythonPluginDir } from "./_python_plugin.ts";

Deno.test("a QNTX plugin written in Python serves HTTP, writes attestations and is supervised", async () => {
  const dir = await pythonPluginDir();
  const test = await startTestHost(["pyecho"], "", [dir]);
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "pyecho", "running");
    const plugin = supervisor.get("pyecho")!;
    assert.equal(plugin.found.kind, "qntx-executable");

    const call = async (path: string, init?: RequestInit) => {
      const response = await fetch(new URL(path, url), init);
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        text: await response.text(),
      };
    };
    const attest = async (subject: string) => {
      const response = await call("/api/pyecho/attest", {
        method: "POST",
        body: JSON.stringify({
          subjects: [subject],
          predicates: ["greeted"],
          contexts: ["test"],
          actors: ["python-test"],
        }),
      });
      assert.equal(response.status, 200, response.text);
      const body = JSON.parse(response.text);
      assert.equal(body.success, true, body.error);
      // The host sets the source from the token Initialize gave this process.
      assert.equal(body.source, "pyecho");
      assert.deepEqual(body.attestation.subjects, [subject]);
      return body.attestation.id as string;
    };

    const hello = await call("/api/pyecho/hello");
    assert.equal(hello.status, 200);
    assert.equal(hello.text, "hello from python");
    assert.match(hello.type ?? "", /^text\/plain/);

    const id = await attest("python-1");
    const stored = JSON.parse(
      (await call("/api/attestations?source=pyecho&subject=python-1")).text,
    );
    assert.deepEqual(stored.attestations.map((a: { id: string }) => a.id), [id]);

    // The probe reports what the process sees; only its shape is checked here, since what it
    // may see depends on how the host confines executables.
    const probe = await call(`/api/pyecho/probe?path=${encodeURIComponent(test.dir)}&path=/nope`);
    assert.equal(probe.status, 200, probe.text);
    const seen = JSON.parse(probe.text);
    assert.equal(typeof seen.home, "string");
    assert.equal(typeof seen.etc_passwd, "string");
    assert.equal(typeof seen.root_home, "string");
    assert.equal(typeof seen.pid, "number");
    assert.ok(Array.isArray(seen.root_entries) || typeof seen.root_entries === "string");
    assert.deepEqual(seen.paths.map((p: { path: string }) => p.path), [test.dir, "/nope"]);
    assert.deepEqual(seen.paths[1], { path: "/nope", exists: false, read: "missing" });

    assert.equal((await call("/api/pyecho/nope")).status, 404);
    assert.equal((await call("/api/pyecho/hello", { method: "POST" })).status, 404);

    // Restart: a new process, with a new token that still names it.
    const first = plugin.pid!;
    await supervisor.restart("pyecho");
    assert.equal(registry.getState("pyecho"), "running");
    const second = plugin.pid!;
    assert.notEqual(second, first);
    assert.ok(!alive(first), "the first process outlived the restart");
    assert.equal((await call("/api/pyecho/hello")).text, "hello from python");
    await attest("python-2");

    // Disable: the process exits after Shutdown (or SIGTERM at worst), it is never killed.
    await supervisor.disable("pyecho");
    assert.equal(registry.getState("pyecho"), "stopped");
    assert.equal(plugin.pid, undefined);
    assert.ok(!alive(second), "the process outlived disable");
    assert.ok(
      !test.logs.some((record) => /ignored SIGTERM/.test(String(record.msg))),
      "the plugin had to be killed",
    );
    assert.notEqual((await call("/api/pyecho/hello")).status, 200);
  } finally {
    await test.close();
    await Deno.remove(dir, { recursive: true });
  }
});
