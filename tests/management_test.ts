import assert from "node:assert/strict";
import { startTestHost, waitForState } from "./_in_process_host.ts";

Deno.test("the management API lists routes, streams logs (history then live) and serves metrics", async (t) => {
  const test = await startTestHost(["echo"]);
  const url = (path: string) => new URL(path, test.host.url);
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "echo", "running");

    await t.step(
      "GET /api/plugins/glyphs lists the glyph types plugins add to the UI",
      async () => {
        const { glyphs } = await (await fetch(url("/api/plugins/glyphs"))).json();
        assert.deepEqual(glyphs, [{
          plugin: "echo",
          symbol: "≈",
          title: "Echo",
          label: "echo",
          contentPath: "/api/echo/greeting",
          cssPath: "",
          modulePath: "",
          defaultWidth: 320,
          defaultHeight: 0,
        }]);
        assert.ok(
          test.logs.some((line) =>
            /plugin "echo" declared a glyph the host refused: .*content_path "\.\.\/\.\.\/api\/plugins"/
              .test(String(line.msg))
          ),
        );
      },
    );

    await t.step(
      "GET /api/plugins/routes lists the plugin's declared routes under /api/<name>",
      async () => {
        const { routes } = await (await fetch(url("/api/plugins/routes"))).json();
        assert.ok(
          routes.some((r: { path: string; method: string }) =>
            r.path === "/api/echo/greeting" && r.method === "GET"
          ),
        );
      },
    );

    await t.step("GET /api/plugins shows restarts and the process", async () => {
      const { plugins } = await (await fetch(url("/api/plugins"))).json();
      assert.equal(plugins[0].restarts, 0);
      assert.equal(plugins[0].process.kind, "deno");
      assert.equal(plugins[0].process.pid, supervisor.get("echo")!.pid);
    });

    await t.step(
      "GET /api/plugins/<name>/logs sends history, then new lines as they come",
      async () => {
        const response = await fetch(url("/api/plugins/echo/logs?tail=50"));
        assert.equal(response.headers.get("content-type"), "text/event-stream");
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        let text = "";
        while (!text.includes("initialized")) text += (await reader.read()).value;
        // A new line from the plugin: pausing it logs "paused".
        await test.host.supervisor.pause("echo");
        while (!text.includes('\\"msg\\":\\"paused\\"')) text += (await reader.read()).value;
        await reader.cancel();
        await test.host.supervisor.resume("echo");
        const first = text.split("\n\n")[0]!;
        assert.match(
          first,
          /^event: log\ndata: \{"at":\d+,"stream":"(stdout|stderr)","level":"\w+","text":/,
        );
      },
    );

    await t.step(
      "GET /metrics counts requests by class, times them, and shows restarts and state",
      async () => {
        for (
          const path of [
            "/api/echo/greeting",
            "/api/echo/greeting",
            "/api/echo/status/404",
            "/api/echo/status/503",
          ]
        ) {
          await (await fetch(url(path))).body?.cancel();
        }
        await supervisor.restart("echo");
        const metrics = await (await fetch(url("/metrics"))).text();
        assert.match(metrics, /^qntx_plugin_requests_total\{plugin="echo",code="2xx"\} 2$/m);
        assert.match(metrics, /^qntx_plugin_requests_total\{plugin="echo",code="4xx"\} 1$/m);
        assert.match(metrics, /^qntx_plugin_requests_total\{plugin="echo",code="5xx"\} 1$/m);
        assert.match(metrics, /^qntx_plugin_request_duration_seconds_count\{plugin="echo"\} 4$/m);
        assert.match(
          metrics,
          /^qntx_plugin_request_duration_seconds_bucket\{plugin="echo",le="\+Inf"\} 4$/m,
        );
        assert.match(metrics, /^qntx_plugin_restarts_total\{plugin="echo"\} 1$/m);
        assert.match(metrics, /^qntx_plugin_state\{plugin="echo",state="running"\} 1$/m);
        assert.match(metrics, /^qntx_plugin_state\{plugin="echo",state="failed"\} 0$/m);
      },
    );
  } finally {
    await test.close();
  }
});

Deno.test("GET /api/hosts lists this host alone when it shares no database", async () => {
  const test = await startTestHost(["echo"]);
  try {
    await waitForState(test.host.registry, "echo", "running");
    const { hosts } = await (await fetch(new URL("/api/hosts", test.host.url))).json();
    assert.equal(hosts.length, 1);
    assert.equal(hosts[0].url, test.host.url.href);
    assert.deepEqual(hosts[0].plugins, [{ name: "echo", state: "running", pausable: true }]);
  } finally {
    await test.close();
  }
});

/** The status of a GET sent over a plain socket with `host` as its Host (fetch sets its own). */
async function statusWithHost(url: URL, path: string, host: string): Promise<number> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`,
      ),
    );
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    return Number(
      /^HTTP\/1\.1 (\d{3})/.exec(new TextDecoder().decode(buffer.subarray(0, read ?? 0)))?.[1],
    );
  } finally {
    conn.close();
  }
}

Deno.test("[server] public_url is what the host tells the others, and a name it answers to", async () => {
  const test = await startTestHost([], "", undefined, 'public_url = "http://qntx-2.internal:8877"');
  try {
    const { hosts } = await (await fetch(new URL("/api/hosts", test.host.url))).json();
    assert.equal(hosts[0].url, "http://qntx-2.internal:8877/");
    // Another host reaching this one by that name is not taken for a rebinding page; another
    // name still is.
    assert.equal(await statusWithHost(test.host.url, "/api/hosts", "qntx-2.internal:8877"), 200);
    assert.equal(await statusWithHost(test.host.url, "/api/hosts", "evil.example:8877"), 421);
  } finally {
    await test.close();
  }
});
