/**
 * A QNTX plugin as QNTX's users run it: the Python example, written against the protocol's
 * .proto files with grpcio, installed in QNTX's tree layout, given `args`, writing through the
 * attestation store over its TCP endpoint, its watcher running a job for each new note, and a
 * real Chromium page on `http://localhost:5173` (a development UI, as QNTX's default origins
 * allow) speaking QNTX's `/ws/<name>` with JSON envelopes.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "./_browser.ts";
import { pythonExample } from "./_examples.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

const PAGE = `<!doctype html><title>dev ui</title><pre id="out">waiting</pre><script type="module">
const url = new URL(location.href).searchParams.get("ws");
const socket = new WebSocket(url, ["qntx-plugin-v1"]);
const seen = [];
const show = () => (document.getElementById("out").textContent = JSON.stringify(seen));
socket.onopen = () => {
  seen.push({ protocol: socket.protocol });
  socket.send(JSON.stringify({ type: 1, data: btoa("shout"), headers: { opcode: "text" } }));
  // A PING goes to the plugin, whose PONG the host keeps, as QNTX's host does.
  socket.send(JSON.stringify({ type: 3, data: btoa("are you there") }));
  socket.send(JSON.stringify({ type: 1, data: btoa("again"), headers: { opcode: "text" } }));
};
socket.onmessage = (event) => {
  const envelope = JSON.parse(event.data);
  seen.push({ type: envelope.type, text: atob(envelope.data ?? "") });
  if (seen.length === 3) socket.close(1000, "done");
  show();
};
socket.onclose = (event) => { seen.push({ closed: event.code }); show(); };
</script>`;

Deno.test("a QNTX plugin in Python runs as under QNTX: tree layout, args, TCP store, watcher, /ws from a dev UI", async () => {
  const root = await pythonExample();
  const test = await startTestHost(
    ["pynotes"],
    `[pynotes]\nargs = ["--log-level", "debug"]\n`,
    [root],
  );
  // The development UI: a page on localhost:5173, another origin than the host's.
  const ui = Deno.serve(
    { hostname: "127.0.0.1", port: 5173, onListen: () => {} },
    () => new Response(PAGE, { headers: { "content-type": "text/html" } }),
  );
  const browser = await launchBrowser();
  try {
    const { registry, supervisor, url } = test.host;
    await waitForState(registry, "pynotes", "running");
    const plugin = supervisor.get("pynotes")!;
    assert.deepEqual([plugin.found.kind, plugin.found.dir], ["qntx-executable", `${root}/pynotes`]);
    const logged = plugin.logs.lines().map((line) => line.text);
    assert.ok(
      logged.some((text) =>
        text.includes("ignoring arguments it does not know: --log-level debug")
      ),
      logged.join("\n"),
    );
    // QNTX's D and OCaml plugins split the endpoint on ":" and dial TCP: so it gets one.
    assert.ok(
      logged.some((text) => /the store is at 127\.0\.0\.1:\d+$/.test(text)),
      logged.join("\n"),
    );

    const made = await fetch(new URL("/api/pynotes/notes", url), {
      method: "POST",
      body: JSON.stringify({ text: "from the test" }),
    });
    assert.equal(made.status, 201, await made.clone().text());
    assert.equal((await made.json()).source, "pynotes");
    // Its watcher (predicate "noted") queued `count` for the new note, and it ran.
    let job: { status: string; result?: unknown } | undefined;
    for (let i = 0; i < 100 && job?.status !== "completed"; i++) {
      const listed = await (await fetch(new URL("/api/pulse/jobs?plugin=pynotes", url))).json();
      job = listed.jobs[0];
      if (job?.status !== "completed") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual([job?.status, job?.result], ["completed", { notes: 1 }]);

    const ws = new URL("/ws/pynotes", url.href.replace("http://127.0.0.1", "ws://localhost"));
    const page = await browser.newPage();
    await page.goto(`http://localhost:5173/?ws=${encodeURIComponent(ws.href)}`);
    let seen: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && !seen.some((entry) => "closed" in entry); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const text = await page.textContent("#out");
      if (text && text !== "waiting") seen = JSON.parse(text);
    }
    assert.deepEqual(seen, [
      { protocol: "qntx-plugin-v1" },
      { type: 1, text: "SHOUT" },
      { type: 1, text: "AGAIN" },
      { closed: 1000 },
    ]);
  } finally {
    await browser.close();
    await ui.shutdown();
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
