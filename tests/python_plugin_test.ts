/**
 * A plugin written in Python with grpcio (tests/fixtures/python/qntx-pyecho-plugin), nothing of
 * our SDK, run by the real host as a QNTX-style executable.
 */
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { ats, callUnary, CHANNEL_OPTIONS } from "../src/protocol/mod.ts";
import { alive, startTestHost, waitForState } from "./_in_process_host.ts";
import { pythonPluginDir } from "./_python_plugin.ts";
import { REPO } from "./_host_process.ts";

Deno.test("a QNTX plugin written in Python serves HTTP, writes attestations and is supervised", async () => {
  const dir = await pythonPluginDir();
  // Another plugin kept in the same search path: its folder is not in this program's view.
  await Deno.mkdir(`${dir}/victim`);
  await Deno.writeTextFile(`${dir}/victim/plugin.json`, "{}");
  await Deno.writeTextFile(`${dir}/victim/state.txt`, "API_KEY=abc123");
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
    // As under QNTX's host, a QNTX program reaches the services at `127.0.0.1:<port>` (QNTX's
    // D and OCaml plugins split the endpoint on ":" and dial TCP), not at a `unix:` path.
    const said = plugin.logs.lines().map((line) => line.text).find((text) =>
      text.includes("ats store at")
    );
    const endpoint = /ats store at (\S+)\)/.exec(said ?? "")?.[1];
    assert.match(endpoint ?? "", /^127\.0\.0\.1:\d+$/, said ?? "no line says it");
    // Any local program can reach that port; only this launch's token is answered there.
    const store = new ats.ATSStoreServiceClient(
      endpoint!,
      grpc.credentials.createInsecure(),
      CHANNEL_OPTIONS,
    );
    try {
      const forged = await callUnary(store.generateAndCreateAttestation.bind(store), {
        authToken: "f".repeat(64),
        command: ats.AttestationCommand.fromPartial({
          subjects: ["forged"],
          predicates: ["p"],
          contexts: ["c"],
          actors: ["a"],
        }),
      }, 5000);
      assert.deepEqual([forged.success, forged.error], [false, "invalid authentication token"]);
    } finally {
      store.close();
    }
    const stored = JSON.parse(
      (await call("/api/attestations?source=pyecho&subject=python-1")).text,
    );
    assert.deepEqual(stored.attestations.map((a: { id: string }) => a.id), [id]);

    // Confined: it sees the system's folders and its own, not the host's files or the machine's.
    // (The folders above its data and launch folders exist in its view, empty but for them.)
    const secret = `${test.dir}/secret.txt`;
    await Deno.writeTextFile(secret, "the host's");
    const probe = await call(
      `/api/pyecho/probe?${
        [
          secret,
          `${dir}/victim/state.txt`,
          REPO,
          "/root",
          "/etc/passwd",
          "/etc/shadow",
          dir,
          "/proc/1/environ",
        ]
          .map((path) => `path=${encodeURIComponent(path)}`).join("&")
      }`,
    );
    assert.equal(probe.status, 200, probe.text);
    const seen = JSON.parse(probe.text);
    const view = Object.fromEntries(
      seen.paths.map((p: { path: string; read: string }) => [p.path, p.read]),
    );
    assert.equal(view[secret], "missing", "a file in the host's working folder");
    assert.equal(view[`${dir}/victim/state.txt`], "missing", "another plugin's folder");
    assert.equal(view[REPO.replace(/\/$/, "")] ?? view[REPO], "missing", "the host's checkout");
    assert.equal(view["/root"], "missing", "the host user's home");
    assert.equal(view["/etc/passwd"], "missing");
    assert.equal(view["/etc/shadow"], "missing");
    assert.equal(view[dir], "visible", "its own folder");
    // Its own PID namespace: pid 1 is the sandbox's, not the host's init or the host.
    assert.equal(view["/proc/1/environ"] === "visible" ? seen.pid < 10 : true, true);
    assert.ok(seen.pid < 10, `pid ${seen.pid} is not in a namespace of its own`);

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

Deno.test("a QNTX program installed in QNTX's tree layout runs with its args and the tools' PATH", async () => {
  const root = await pythonPluginDir({ tree: true });
  Deno.env.set("SECRET_OF_HOST", "not for plugins");
  const test = await startTestHost(
    ["pyecho"],
    `[pyecho]\nargs = ["--greeting", "hello there", "--port", "1"]\n`,
    [root],
  );
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "pyecho", "running");
    const plugin = supervisor.get("pyecho")!;
    assert.deepEqual(
      [plugin.found.kind, plugin.found.dir],
      ["qntx-executable", `${root}/pyecho`],
    );
    const launch = await (await fetch(new URL("/api/pyecho/launch", url))).json();
    // `--port <n>` first, as QNTX's host passes it; the operator's args after it.
    assert.equal(launch.argv[0], "--port");
    assert.deepEqual(launch.argv.slice(2), ["--greeting", "hello there", "--port", "1"]);
    // Its library folder beside it is in its view (it imported protocol/ from there).
    assert.equal(launch.dir, `${root}/pyecho`);
    // The tools' PATH, SHELL and TERM as the host has them; nothing else of the host's.
    assert.equal(launch.env.PATH, Deno.env.get("PATH") ?? null);
    assert.equal(launch.env.SECRET_OF_HOST, null);
    // `args` is the host's setting, not a plugin setting it warns about.
    assert.ok(!test.logs.some((line) => String(line.msg).includes('setting "args"')));
  } finally {
    Deno.env.delete("SECRET_OF_HOST");
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a QNTX program's args that are not a list of strings fail it, naming the setting", async () => {
  const root = await pythonPluginDir({ tree: true });
  const test = await startTestHost(["pyecho"], `[pyecho]\nargs = "--verbose"\n`, [root]);
  try {
    await waitForState(test.host.registry, "pyecho", "failed");
    assert.match(
      test.host.registry.snapshot("pyecho")?.lastError ?? "",
      /\[pyecho\] args must be a list of strings/,
    );
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("QNTX's /ws/<name>: JSON envelopes, the query as metadata, the subprotocol, PINGs passed on", async () => {
  const root = await pythonPluginDir({ tree: true });
  const test = await startTestHost(["pyecho"], "", [root]);
  const encode = (text: string) => btoa(text);
  const decode = (data: string) => atob(data);
  try {
    await waitForState(test.host.registry, "pyecho", "running");
    const url = new URL(
      "/ws/pyecho?session_id=abc&rows=40",
      test.host.url.href.replace("http", "ws"),
    );
    // A development UI on another port of localhost, as QNTX's default origins allow.
    const socket = new WebSocket(url, {
      protocols: ["qntx-plugin-v1"],
      headers: { origin: "http://localhost:5173" },
    });
    const received: { type: number; data: string; headers?: Record<string, string> }[] = [];
    const next = () =>
      new Promise<(typeof received)[number]>((resolve, reject) => {
        socket.onmessage = (event) => resolve(JSON.parse(String(event.data)));
        socket.onclose = (event) => reject(new Error(`closed ${event.code} ${event.reason}`));
      });
    const first = next();
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error("the upgrade failed"));
    });
    assert.equal(socket.protocol, "qntx-plugin-v1");
    const connected = await first;
    assert.equal(connected.type, 1);
    const metadata = JSON.parse(decode(connected.data)).metadata;
    assert.deepEqual([metadata.session_id, metadata.rows], ["abc", "40"]);
    const echoed = next();
    socket.send(JSON.stringify({ type: 1, data: encode("hello"), headers: { opcode: "text" } }));
    const back = await echoed;
    assert.deepEqual([back.type, decode(back.data), back.headers?.opcode], [1, "olleh", "text"]);
    // Not an envelope: dropped, the connection lives on.
    socket.send("not json");
    socket.send(JSON.stringify({ type: 0, data: "" }));
    const pinged = next();
    socket.send(JSON.stringify({ type: 3, headers: { cols: "120", rows: "40" } }));
    assert.deepEqual(JSON.parse(decode((await pinged).data)).ping, { cols: "120", rows: "40" });
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);

    // Another site's page is refused, as on /<name>-ws.
    const foreign = await fetch(new URL("/ws/pyecho", test.host.url), {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        origin: "https://evil.example",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
