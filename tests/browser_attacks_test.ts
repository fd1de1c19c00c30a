/**
 * A hostile web page in a real Chromium against a real host: cross-site requests that change
 * state (a `no-cors` fetch, a form, a body without a JSON type) and a name of the attacker's
 * that resolves to this machine (DNS rebinding, by Chromium's `--host-resolver-rules`). The
 * host must refuse all of it.
 */
import assert from "node:assert/strict";
import { launchBrowser } from "./_browser.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

const EVIL = "evil.example";

/** The attacker's page: it tries everything against `target`, then says so in its title. */
function attackPage(target: string): string {
  return `<!doctype html><title>working</title>
<iframe name="sink" style="display:none"></iframe>
<form id="form" method="POST" action="${target}/api/plugins/echo/disable" target="sink">
  <input name="x" value="1">
</form>
<script>
(async () => {
  const results = {};
  const attempt = async (name, run) => {
    try { results[name] = await run(); } catch (error) { results[name] = "error: " + error.message; }
  };
  await attempt("pause", () => fetch("${target}/api/plugins/echo/pause", { method: "POST", mode: "no-cors" }).then(() => "sent"));
  await attempt("job", () => fetch("${target}/api/pulse/jobs", {
    method: "POST", mode: "no-cors", body: new Blob(['{"handler_name": "echo/echo"}']),
  }).then(() => "sent"));
  await attempt("read", () => fetch("${target}/api/plugins").then((r) => r.text()));
  await attempt("socket", () => new Promise((resolve) => {
    const socket = new WebSocket("${target.replace("http", "ws")}/echo-ws/echo");
    socket.onopen = () => { socket.close(); resolve("opened"); };
    socket.onerror = () => resolve("refused");
  }));
  document.getElementById("form").submit();
  await new Promise((resolve) => setTimeout(resolve, 500));
  window.results = results;
  document.title = "done";
})();
</script>`;
}

Deno.test("a hostile page cannot change the host's state, read it through a rebound name, or open its WebSockets", async () => {
  const test = await startTestHost(["echo"]);
  const hostPort = test.host.url.port;
  let target = "";
  const attacker = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(attackPage(target), { headers: { "content-type": "text/html" } }),
  );
  const browser = await launchBrowser([`--host-resolver-rules=MAP ${EVIL} 127.0.0.1`]);
  try {
    await waitForState(test.host.registry, "echo", "running");
    const page = await browser.newPage();
    const attackerPort = attacker.addr.port;
    const done = async () => {
      const end = Date.now() + 20_000;
      while (await page.title() !== "done") {
        if (Date.now() > end) throw new Error("the attack page never finished");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return await page.evaluate(() => (globalThis as unknown as { results: unknown }).results);
    };

    // Cross-site: the page at evil.example:<its port> against the host at 127.0.0.1.
    target = `http://127.0.0.1:${hostPort}`;
    await page.goto(`http://${EVIL}:${attackerPort}/`);
    const crossSite = await done() as Record<string, string>;
    assert.equal(crossSite.pause, "sent", "the browser sent the request");
    assert.match(
      String(crossSite.read),
      /^error/,
      "a cross-origin read is the browser's to refuse",
    );
    assert.equal(crossSite.socket, "refused");
    assert.equal(test.host.registry.getState("echo"), "running", "pause or disable went through");
    const jobs = test.host.db.prepare("SELECT COUNT(*) AS n FROM jobs").get() as { n: number };
    assert.equal(jobs.n, 0, "a job was enqueued cross-site");

    // Rebinding: the attacker's name now points at the host's own port.
    target = `http://${EVIL}:${hostPort}`;
    const direct = await page.goto(`${target}/api/plugins`);
    assert.equal(direct?.status(), 421);
    await page.goto(`http://${EVIL}:${attackerPort}/`);
    const rebound = await done() as Record<string, string>;
    assert.doesNotMatch(String(rebound.read), /"plugins"/, "the page read the host's answer");
    assert.equal(rebound.socket, "refused");
    assert.equal(test.host.registry.getState("echo"), "running");
  } finally {
    await browser.close();
    await attacker.shutdown();
    await test.close();
  }
});
