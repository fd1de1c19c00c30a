/**
 * The operator of one host drives a plugin that runs on another host sharing PostgreSQL: its
 * actions and its log go through the host the operator signed in to, which relays them with the
 * cluster's secret. That secret reaches those routes alone; the relay takes plugin names and
 * actions it knows, nothing else. The console's Hosts view does it in a real Chromium.
 */
import assert from "node:assert/strict";
import { skipPostgres, startCluster } from "./_postgres.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";
import { launchBrowser } from "./_browser.ts";
import { openPostgres } from "../src/store/mod.ts";

const TOKEN = "cluster-console-operator-token-5e4d3c2b1a";
const BEARER = { authorization: `Bearer ${TOKEN}` };

async function call(
  host: TestHost,
  path: string,
  method = "GET",
  headers: Record<string, string> = BEARER,
) {
  const response = await fetch(new URL(path, host.host.url), { method, headers });
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, body, host: response.headers.get("x-qntx-host") };
}

Deno.test({
  name: "a plugin on another host is driven and its log read through this host's relay",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const shared = `\n[database]\nurl = ${
      JSON.stringify(cluster.url)
    }\n[auth]\ntoken = "${TOKEN}"\n`;
    const front = await startTestHost([], shared);
    const back = await startTestHost(["echo"], shared);
    const sql = openPostgres(cluster.url, { max: 1 });
    const browser = await launchBrowser();
    try {
      await waitForState(back.host.registry, "echo", "running");
      const hosts = (await call(front, "/api/hosts")).body.hosts as { id: string }[];
      assert.equal(hosts.length, 2);
      const [self, other] = [hosts[0]!.id, hosts[1]!.id];

      // Through the front host: the other host's plugins, an action, its log.
      const listed = await call(front, `/api/hosts/${other}/plugins`);
      assert.equal(listed.status, 200);
      assert.equal(listed.host, other);
      assert.deepEqual(listed.body.plugins.map((p: { name: string }) => p.name), ["echo"]);
      const paused = await call(front, `/api/hosts/${other}/plugins/echo/pause`, "POST");
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal(paused.body.state, "paused");
      assert.equal(back.host.registry.getState("echo"), "paused");
      const resumed = await call(front, `/api/hosts/${other}/plugins/echo/resume`, "POST");
      assert.equal(resumed.body.state, "running");
      const logs = await fetch(
        new URL(`/api/hosts/${other}/plugins/echo/logs?tail=5`, front.host.url),
        { headers: BEARER },
      );
      assert.equal(logs.status, 200);
      assert.match(logs.headers.get("content-type") ?? "", /text\/event-stream/);
      const reader = logs.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      assert.match(first, /event: log/);
      await reader.cancel();

      // The relay itself: the operator's credential, known hosts, names and actions only.
      assert.equal((await call(front, `/api/hosts/${other}/plugins`, "GET", {})).status, 401);
      assert.equal((await call(front, `/api/hosts/Hnobody/plugins`)).status, 404);
      assert.equal((await call(front, `/api/hosts/${self}/plugins`)).status, 400);
      assert.equal(
        (await call(front, `/api/hosts/${other}/plugins/echo/approve`, "POST")).status,
        404,
      );
      assert.equal(
        (await call(front, `/api/hosts/${other}/plugins/-echo/pause`, "POST")).status,
        400,
      );
      assert.equal(
        (await call(front, `/api/hosts/${other}/plugins/Echo/pause`, "POST")).status,
        400,
      );
      // An encoded slash never makes a path of its own on the other host.
      const climbing = await call(
        front,
        `/api/hosts/${other}/plugins/echo%2F..%2F..%2Fauth/pause`,
        "POST",
      );
      assert.ok([400, 404].includes(climbing.status), String(climbing.status));
      assert.equal(climbing.host, null, "not relayed");

      // The secret a host presents reaches plugin actions and logs, nothing more, and a
      // refusal is in the other host's audit.
      const [kept] = await sql<{ secret: string }[]>`SELECT secret FROM cluster_secret`;
      const peer = { authorization: `Bearer ${kept!.secret}` };
      assert.equal((await call(back, "/api/plugins", "GET", peer)).status, 200);
      for (
        const [method, path] of [
          ["POST", "/api/plugins/echo/approve"],
          ["GET", "/api/auth/tokens"],
          ["GET", "/api/audit"],
          ["PUT", "/api/plugins/echo/config"],
          ["POST", "/api/pulse/jobs"],
          ["GET", "/api/attestations"],
        ]
      ) {
        const refused = await call(back, path!, method, peer);
        assert.equal(refused.status, 403, `${method} ${path}: ${JSON.stringify(refused.body)}`);
        assert.match(refused.body.detail, /relay plugin actions and log reads only/);
      }
      const audit = (await call(back, "/api/audit?limit=50")).body;
      assert.ok(
        JSON.stringify(audit).includes("another host of the cluster"),
        JSON.stringify(audit).slice(0, 500),
      );

      // The console's Hosts view: the other host's plugin paused and resumed from this one.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(new URL("/login", front.host.url).href);
      await page.fill("#token", TOKEN);
      await page.click("button[type=submit]");
      await page.waitForURL(front.host.url.href);
      await page.goto(new URL("/#/hosts", front.host.url).href);
      const row = `article[data-host="${other}"]`;
      await page.waitForSelector(`${row} button[data-key="pause:echo"]:not([disabled])`);
      await page.click(`${row} button[data-key="pause:echo"]`);
      await page.waitForSelector("#notice:has-text('echo: pause done, now paused')");
      assert.equal(back.host.registry.getState("echo"), "paused");
      // Its own page on the other host: state, actions and the relayed log.
      await page.goto(new URL(`/#/hosts/${other}/echo`, front.host.url).href);
      await page.waitForSelector('[data-state="paused"]');
      await page.click('button[data-key="resume:echo"]');
      await page.waitForSelector('[data-state="running"]');
      await page.waitForSelector("pre.log .line");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await sql.end();
      await front.close();
      await back.close();
      await cluster.stop();
    }
  },
});
