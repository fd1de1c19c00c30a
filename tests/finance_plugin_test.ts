/**
 * The finance plugin in a real host: its routes through the proxy, its risk job through the
 * Pulse queue into the attestation store, its declared schedule, its replay WebSocket, and a
 * folder the operator grants.
 */
import assert from "node:assert/strict";
import { REPO } from "./_host_process.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

// ZED: 100, 110, 99, 108.9 → returns +0.1, -0.1, +0.1. TWIN is 2 × ZED: the same returns.
const GRANTED_CSV = "date,ZED,TWIN\n2024-01-02,100,200\n2024-01-03,110,220\n" +
  "2024-01-04,99,198\n2024-01-05,108.9,217.8\n";

async function call(test: TestHost, method: string, path: string, body?: string) {
  const response = await fetch(new URL(`/api/finance${path}`, test.host.url), { method, body });
  return { status: response.status, body: await response.json() };
}

/** Messages of a client socket, awaited one at a time, and its close. */
function follow(socket: WebSocket) {
  const messages: Record<string, unknown>[] = [];
  const waiting: (() => void)[] = [];
  socket.onmessage = (event) => {
    messages.push(JSON.parse(event.data));
    waiting.splice(0).forEach((wake) => wake());
  };
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  return {
    closed,
    async next(): Promise<Record<string, unknown>> {
      while (messages.length === 0) await new Promise<void>((resolve) => waiting.push(resolve));
      return messages.shift()!;
    },
  };
}

async function withFinance(work: (test: TestHost) => Promise<void>) {
  const granted = await Deno.makeTempDir({ prefix: "finance-granted-" });
  await Deno.writeTextFile(`${granted}/extra.csv`, GRANTED_CSV);
  const test = await startTestHost(
    ["finance"],
    `[plugin.grants.finance]
read = [${JSON.stringify(granted)}]
[finance]
var_confidence = 0.95
max_upload_bytes = 2048
data_dir = ${JSON.stringify(granted)}
`,
    [`${REPO}plugins`],
  );
  try {
    await waitForState(test.host.registry, "finance", "running");
    await work(test);
  } finally {
    await test.close();
    await Deno.remove(granted, { recursive: true });
  }
}

Deno.test("finance plugin - routes answer figures and name bad input", async () => {
  await withFinance(async (test) => {
    const symbols = await call(test, "GET", "/symbols");
    assert.equal(symbols.status, 200);
    assert.deepEqual(
      symbols.body.symbols.map((s: { symbol: string }) => s.symbol),
      ["ACME", "BOLT", "CRUX", "DUNE", "TWIN", "ZED"],
    );
    assert.deepEqual(symbols.body.problems, []);

    // 100 → 110 → 99: a 10 % drawdown from 110 to 99, recovered by nothing after.
    const fall = await call(test, "GET", "/symbols/zed/drawdown");
    assert.ok(Math.abs(fall.body.maxDrawdown - 0.1) < 1e-12);
    assert.deepEqual(fall.body.peak, { date: "2024-01-03", close: 110 });
    // Returns +0.1, -0.1, +0.1 at 0.95: k = ⌈0.05 × 3⌉ = 1, the worst return → VaR 0.10.
    const risk = await call(test, "GET", "/symbols/ZED/var?confidence=0.95&method=historical");
    assert.equal(risk.status, 200);
    assert.ok(Math.abs(risk.body.value - 0.1) < 1e-12);

    const unknown = await call(test, "GET", "/symbols/NOPE/var");
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.detail, /unknown symbol "NOPE"; known symbols: ACME/);
    const badConfidence = await call(test, "GET", "/symbols/ACME/var?confidence=2");
    assert.equal(badConfidence.status, 400);
    assert.match(badConfidence.body.detail, /confidence must be a number between 0.5 and 1/);
    const badMethod = await call(test, "GET", "/symbols/ACME/var?method=magic");
    assert.match(badMethod.body.detail, /method must be one of historical, parametric/);

    const analyzed = await call(
      test,
      "POST",
      "/analyze",
      "date,ACME\n2024-01-02,100\n2024-01-03,110\n2024-01-04,99\n",
    );
    assert.equal(analyzed.status, 200);
    assert.ok(Math.abs(analyzed.body.symbols[0].maxDrawdown.value - 0.1) < 1e-12);
    const malformed = await call(
      test,
      "POST",
      "/analyze",
      "date,symbol,close\n2024-01-02,ACME,ten\n",
    );
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.detail, /line 2, column 3 \(close\): "ten" is not a number/);
    const huge = await call(test, "POST", "/analyze", "date,ACME\n" + "2024-01-02,1\n".repeat(200));
    assert.equal(huge.status, 413);
    assert.match(huge.body.detail, /over max_upload_bytes \(2048 bytes\)/);

    const uploaded = await call(
      test,
      "PUT",
      "/datasets/mine",
      "date,symbol,close\n2024-01-02,NEW,5\n",
    );
    assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
    assert.deepEqual(uploaded.body.symbols, ["NEW"]);
    assert.equal((await call(test, "GET", "/symbols/NEW/drawdown")).body.maxDrawdown, 0);
    const badName = await call(test, "PUT", "/datasets/..%2Fx", "date,A\n2024-01-02,1\n");
    assert.equal(badName.status, 400);

    const portfolio = await call(
      test,
      "POST",
      "/portfolio/min-variance",
      JSON.stringify({ symbols: ["ACME", "BOLT", "DUNE"] }),
    );
    assert.equal(portfolio.status, 200, JSON.stringify(portfolio.body));
    const weights = Object.values(portfolio.body.weights) as number[];
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(portfolio.body.observations, 59);
    const singular = await call(
      test,
      "POST",
      "/portfolio/min-variance",
      JSON.stringify({ symbols: ["ZED", "TWIN"] }),
    );
    assert.equal(singular.status, 400);
    assert.match(singular.body.detail, /covariance matrix of ZED, TWIN is singular/);
    const notJson = await call(test, "POST", "/portfolio/min-variance", "{symbols");
    assert.match(notJson.body.detail, /not JSON/);

    // Health comes with the host's next probe (every 200 ms here), after the upload.
    let health;
    for (const end = Date.now() + 5000; !/^7 symbols/.test(health?.message ?? "");) {
      if (Date.now() > end) {
        assert.fail(`no health probe saw the upload: ${JSON.stringify(health)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
      health = (await (await fetch(new URL("/api/plugins/finance", test.host.url))).json()).health;
    }
    assert.equal(health?.healthy, true, JSON.stringify(health));
    assert.match(health.message, /^7 symbols from 3 files; risk not computed yet$/);
  });
});

Deno.test("finance plugin - recompute-risk runs on the queue, attests, and is scheduled", async () => {
  await withFinance(async (test) => {
    const before = await call(test, "GET", "/risk");
    assert.equal(before.status, 404);
    assert.match(before.body.detail, /run the job finance\/recompute-risk/);

    const id = await test.host.services.queue().enqueue({
      handlerName: "finance/recompute-risk",
      payload: new TextEncoder().encode("{}"),
    });
    let job: Record<string, unknown> = {};
    for (const end = Date.now() + 20_000; Date.now() < end;) {
      job = (await (await fetch(new URL(`/api/pulse/jobs/${id}`, test.host.url))).json()).job;
      if (["completed", "failed", "cancelled"].includes(job.status as string)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(job.status, "completed", JSON.stringify(job));
    assert.deepEqual(job.progress, { current: 6, total: 6 });
    // Six symbols × (VaR historical + VaR parametric + volatility + drawdown).
    assert.equal((job.result as { attestations: number }).attestations, 24);

    const url = new URL(
      "/api/attestations?source=finance&subject=ZED&predicate=var_95",
      test.host.url,
    );
    const { attestations } = await (await fetch(url)).json();
    assert.equal(attestations.length, 2);
    const historical = attestations.find((a: { attributes: { method: string } }) =>
      a.attributes.method === "historical"
    );
    assert.ok(Math.abs(historical.attributes.value - 0.1) < 1e-12);
    assert.equal(historical.attributes.window, 3);
    assert.deepEqual(historical.contexts, ["finance"]);

    const after = await call(test, "GET", "/risk");
    assert.equal(after.status, 200);
    assert.equal(after.body.confidence, 0.95);
    assert.deepEqual(Object.keys(after.body.symbols).length, 6);

    const { schedules } = await (await fetch(new URL("/api/pulse/schedules", test.host.url)))
      .json();
    const declared = schedules.find((s: { handlerName: string }) =>
      s.handlerName === "finance/recompute-risk"
    );
    assert.equal(declared?.intervalSeconds, 3600);
    assert.equal(declared?.declared, true);
  });
});

Deno.test("finance plugin - the replay WebSocket streams ticks, pauses and closes", async () => {
  await withFinance(async (test) => {
    const base = test.host.url.href.replace("http", "ws");
    const socket = new WebSocket(new URL("/finance-ws/replay?symbol=acme&speed=50", base));
    const client = follow(socket);
    assert.deepEqual(await client.next(), {
      type: "start",
      symbol: "ACME",
      ticks: 60,
      speed: 50,
      paused: false,
    });
    const ticks = [await client.next(), await client.next(), await client.next()];
    assert.deepEqual(ticks.map((t) => [t.type, t.index, t.date]), [
      ["tick", 0, "2024-01-02"],
      ["tick", 1, "2024-01-03"],
      ["tick", 2, "2024-01-04"],
    ]);
    assert.equal(ticks[0]!.close, 100);
    const rolling = ticks[2]!.rolling as { count: number; volatility: number };
    assert.equal(rolling.count, 2);
    assert.ok(rolling.volatility > 0);
    const skipTicks = async () => {
      let message = await client.next();
      while (message.type === "tick") message = await client.next();
      return message;
    };
    socket.send(JSON.stringify({ pause: true }));
    assert.deepEqual(await skipTicks(), { type: "paused", by: "client" });
    socket.send("what now?");
    assert.equal((await client.next()).type, "error");
    socket.send(JSON.stringify({ resume: true }));
    assert.deepEqual(await skipTicks(), { type: "resumed", by: "client" });

    // Pausing the plugin pauses its replays; resuming it resumes them.
    const admin = (action: string) =>
      fetch(new URL(`/api/plugins/finance/${action}`, test.host.url), { method: "POST" })
        .then((response) => response.body?.cancel());
    await admin("pause");
    assert.deepEqual(await skipTicks(), { type: "paused", by: "plugin" });
    await admin("resume");
    assert.deepEqual(await skipTicks(), { type: "resumed", by: "plugin" });
    assert.equal((await client.next()).type, "tick");
    socket.close(1000);
    await client.closed;

    const unknown = new WebSocket(new URL("/finance-ws/replay?symbol=NOPE", base));
    const refused = follow(unknown);
    assert.match(String((await refused.next()).error), /unknown symbol "NOPE"/);
    assert.equal((await refused.closed).code, 4404);
  });
});
