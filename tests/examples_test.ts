/**
 * The protocol's examples in Python and Go (proto/examples/), built as their READMEs say, pass
 * the conformance check and run under the real host: notes made through the host's store over
 * TCP, read back, counted by a job their watcher queues, and a WebSocket.
 */
import assert from "node:assert/strict";
import { goExample, pythonExample } from "./_examples.ts";
import { REPO } from "./_host_process.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";
import { conformance } from "./_conformance.ts";

const EXAMPLES = [
  { name: "pynotes", build: pythonExample },
  { name: "gonotes", build: goExample },
];

for (const { name, build } of EXAMPLES) {
  Deno.test(`the ${name} example passes the conformance check with no warning`, async () => {
    const root = await build();
    try {
      const { code, report } = await conformance(`${root}/${name}`, ["--job", "count={}"]);
      const notPassed = report.findings.filter((finding) =>
        finding.outcome === "fail" || finding.outcome === "warn"
      );
      assert.deepEqual(notPassed, []);
      assert.equal(code, 0);
      const passed = (step: string, pattern: RegExp) =>
        assert.ok(
          report.findings.some((finding) =>
            finding.step === step && finding.outcome === "pass" && pattern.test(finding.message)
          ),
          `${step} ${pattern}: ${JSON.stringify(report.findings)}`,
        );
      passed("launch", /printed QNTX_PLUGIN_PORT=\d+/);
      passed("websocket", /PONG/);
      passed("jobs", /job count succeeded/);
      passed("stdin", /with --watch-stdin, exited/);
      passed("shutdown", /exited after Shutdown/);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  Deno.test(`the ${name} example runs under the host: notes, its watcher's job, a WebSocket`, async () => {
    const root = await build();
    const test = await startTestHost([name], `[${name}]\ngreeting = "hi from ${name}"\n`, [root]);
    try {
      const { registry, url } = test.host;
      await waitForState(registry, name, "running");
      const api = async (path: string, init?: RequestInit) => {
        const response = await fetch(new URL(path, url), init);
        return { status: response.status, text: await response.text() };
      };
      assert.deepEqual(await api(`/api/${name}/hello`), { status: 200, text: `hi from ${name}` });
      const made = await api(`/api/${name}/notes`, {
        method: "POST",
        body: JSON.stringify({ text: "remember the milk" }),
      });
      assert.equal(made.status, 201, made.text);
      const note = JSON.parse(made.text);
      // The host set the source from the token Initialize gave, over the TCP endpoint.
      assert.equal(note.source, name);
      // …and the version that made it, in `source_version`.
      assert.deepEqual(note.attributes, { text: "remember the milk", source_version: "1.0.0" });
      const bad = await api(`/api/${name}/notes`, { method: "POST", body: "{" });
      assert.equal(bad.status, 400);

      const listed = JSON.parse((await api(`/api/${name}/notes`)).text);
      assert.deepEqual(listed.map((found: { id: string }) => found.id), [note.id]);

      // The new note matched the example's watcher: the host queued `count` and ran it.
      let counted: { status: string; result?: unknown } | undefined;
      for (let i = 0; i < 100 && counted?.status !== "completed"; i++) {
        const jobs = JSON.parse((await api(`/api/pulse/jobs?plugin=${name}`)).text);
        counted = jobs.jobs[0];
        if (counted?.status !== "completed") await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(counted?.status, "completed", JSON.stringify(counted));
      assert.deepEqual(counted?.result, { notes: 1 });

      const socket = new WebSocket(new URL(`/${name}-ws`, url.href.replace("http", "ws")));
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error("the upgrade failed"));
      });
      const echoed = new Promise((resolve) => socket.onmessage = (event) => resolve(event.data));
      socket.send("shout");
      assert.equal(await echoed, "SHOUT");
      socket.close();
      await new Promise((resolve) => socket.onclose = resolve);

      // 3 MiB in one request: many DATA frames, each as the program's HTTP/2 windows allow (the
      // host's own client against grpc-go's and grpcio's flow control); the program keeps 2 000.
      const long = await api(`/api/${name}/notes`, {
        method: "POST",
        body: JSON.stringify({ text: "x".repeat(3 * 1024 * 1024) }),
      });
      assert.equal(long.status, 201, long.text.slice(0, 300));
      assert.equal(JSON.parse(long.text).attributes.text.length, 2000);
    } finally {
      await test.close();
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("an SDK plugin folder passes the conformance check", async () => {
  const { code, report } = await conformance(`${REPO}plugins/biotech`);
  assert.deepEqual(report.findings.filter((finding) => finding.outcome === "fail"), []);
  assert.equal(code, 0);
});

Deno.test("a QNTX program takes new settings by a restart: it does not say it applies a reconfigure", async () => {
  const root = await goExample();
  const test = await startTestHost(["gonotes"], "", [root], "", { file: true });
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "gonotes", "running");
    const before = supervisor.get("gonotes")!.pid;
    const saved = await fetch(new URL("/api/plugins/gonotes/config", url), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ config: { greeting: "good evening" } }),
    });
    assert.equal(saved.status, 200, await saved.clone().text());
    assert.equal((await saved.json()).reinitialized, true);
    assert.notEqual(supervisor.get("gonotes")!.pid, before, "a new process took the settings");
    const hello = await fetch(new URL("/api/gonotes/hello", url));
    assert.equal(await hello.text(), "good evening");
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
