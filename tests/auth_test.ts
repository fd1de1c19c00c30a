/**
 * The operator's credential: every route but /healthz needs it (plugin routes and WebSocket
 * upgrades too), programs send it as a bearer token, the console signs in for an HttpOnly,
 * SameSite=Strict session cookie (or by the one-time link the host logs), failures are counted
 * and refused beyond a few, and the host makes a token file when none is configured.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, parseHostConfig } from "../src/config/mod.ts";
import { launchBrowser } from "./_browser.ts";
import { listeningUrl, spawnHost } from "./_host_process.ts";
import { inTempDir } from "./_temp.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const TOKEN = "test-operator-token-5f0c9e1d2b3a4c5d6e7f";

async function call(
  test: TestHost,
  path: string,
  init: RequestInit & { bearer?: string; cookie?: string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.bearer) headers.set("authorization", `Bearer ${init.bearer}`);
  if (init.cookie) headers.set("cookie", init.cookie);
  return await fetch(new URL(path, test.host.url), { ...init, headers, redirect: "manual" });
}

async function status(response: Response): Promise<number> {
  await response.body?.cancel();
  return response.status;
}

/** A WebSocket upgrade by hand, to see the status the host answers with. */
async function upgrade(test: TestHost, headers: string): Promise<string> {
  const connection = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(test.host.url.port),
  });
  try {
    await connection.write(
      new TextEncoder().encode(
        `GET /echo-ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Sec-WebSocket-Version: 13\r\n${headers}\r\n`,
      ),
    );
    const buffer = new Uint8Array(512);
    const read = await connection.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, read ?? 0)).split("\r\n")[0]!;
  } finally {
    connection.close();
  }
}

Deno.test("every route but /healthz needs the operator's credential", async (t) => {
  const test = await startTestHost(["echo"], `[auth]\ntoken = "${TOKEN}"\n`);
  try {
    await waitForState(test.host.registry, "echo", "running");
    await t.step("without one: 401 naming what to send, everywhere", async () => {
      for (const path of ["/api/plugins", "/api/echo/greeting", "/metrics", "/api/attestations"]) {
        const response = await call(test, path);
        assert.equal(response.status, 401, path);
        assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
        assert.match((await response.json()).detail, /Authorization: Bearer <token>/);
      }
      assert.equal(await status(await call(test, "/healthz")), 200);
      assert.match(await upgrade(test, ""), /^HTTP\/1\.1 401/);
    });
    await t.step("a wrong token: 401; the right one: through", async () => {
      assert.equal(await status(await call(test, "/api/plugins", { bearer: "nope" })), 401);
      assert.equal(await status(await call(test, "/api/plugins", { bearer: TOKEN })), 200);
      const greeting = await call(test, "/api/echo/greeting", { bearer: TOKEN });
      assert.equal(await greeting.text(), "hello");
      assert.match(await upgrade(test, `Authorization: Bearer ${TOKEN}\r\n`), /^HTTP\/1\.1 101/);
    });
    await t.step("the host's credentials never reach a plugin", async () => {
      const response = await call(test, "/api/echo/headers", {
        bearer: TOKEN,
        cookie: "qntx_session=0123abcd; theme=dark",
      });
      const seen = new Map<string, string>(await response.json());
      assert.equal(seen.get("authorization"), undefined);
      assert.equal(seen.get("cookie"), "theme=dark");
      const socket = new WebSocket(
        new URL("/echo-ws/info", test.host.url.href.replace(/^http/, "ws")),
        {
          headers: {
            authorization: `Bearer ${TOKEN}`,
            cookie: "qntx_session=0123abcd; theme=dark",
          },
        } as unknown as string[],
      );
      const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
        socket.onmessage = (event) => resolve(JSON.parse(event.data));
        socket.onerror = () => reject(new Error("the socket failed"));
      });
      socket.close();
      await new Promise((resolve) => socket.onclose = resolve);
      assert.equal(info.authorization, null);
      assert.equal(info.cookie, "theme=dark");
    });
    await t.step("the console signs in for a session cookie, and out", async () => {
      const signIn = await call(test, "/api/auth/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: TOKEN }),
      });
      assert.equal(signIn.status, 204);
      const setCookie = signIn.headers.get("set-cookie") ?? "";
      assert.match(setCookie, /^qntx_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict;/);
      const cookie = setCookie.split(";")[0]!;
      assert.equal(await status(await call(test, "/api/plugins", { cookie })), 200);
      assert.equal(
        await status(await call(test, "/api/auth/signout", { method: "POST", cookie })),
        204,
      );
      assert.equal(await status(await call(test, "/api/plugins", { cookie })), 401);
    });
    await t.step("the one-time sign-in link works once", async () => {
      const line = test.logs.find((record) => String(record.msg).startsWith("sign in to"));
      const link = /(http:\/\/\S+)/.exec(String(line?.msg))?.[1];
      assert.ok(link, "the host logged a sign-in link");
      const first = await fetch(link!, { redirect: "manual" });
      assert.equal(await status(first), 303);
      assert.match(first.headers.get("set-cookie") ?? "", /^qntx_session=/);
      const again = await fetch(link!, { redirect: "manual" });
      assert.equal(await status(again), 401);
    });
    await t.step("the token never appears in the host's log", () => {
      assert.ok(!JSON.stringify(test.logs).includes(TOKEN));
    });
  } finally {
    await test.close();
  }
});

Deno.test("failed attempts are counted per client and refused beyond ten a minute", async () => {
  const test = await startTestHost([], `[auth]\ntoken = "${TOKEN}"\n`);
  try {
    for (let i = 0; i < 10; i++) {
      assert.equal(await status(await call(test, "/api/plugins", { bearer: `bad-${i}` })), 401);
    }
    const limited = await call(test, "/api/plugins", { bearer: TOKEN });
    assert.equal(limited.status, 429, "even the right token waits once the limit is reached");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    await limited.body?.cancel();
    assert.ok(test.logs.some((record) =>
      /refused a credential from 127\.0\.0\.1/.test(
        String(record.msg),
      )
    ));
  } finally {
    await test.close();
  }
});

Deno.test("without a configured token the host makes one in a file only its user can read", async () => {
  const test = await startTestHost([], `[auth]\nenabled = true\n`);
  try {
    const file = join(test.dir, "data", "auth_token");
    const info = await Deno.stat(file);
    assert.equal((info.mode ?? 0) & 0o777, 0o600);
    const token = (await Deno.readTextFile(file)).trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.ok(test.logs.some((record) => String(record.msg).includes(file)));
    assert.ok(!JSON.stringify(test.logs).includes(token));
    assert.equal(await status(await call(test, "/api/plugins", { bearer: token })), 200);
  } finally {
    await test.close();
  }
});

Deno.test("auth may be off only on loopback", () => {
  assert.throws(
    () =>
      parseHostConfig(
        `[server]\nbind_address = "0.0.0.0"\n[auth]\nenabled = false\n`,
        "am.toml",
      ),
    (error) =>
      error instanceof ConfigError && /auth\.enabled: false is accepted only/.test(error.message),
  );
  const local = parseHostConfig(`[auth]\nenabled = false\n`, "am.toml");
  assert.equal(local.auth.enabled, false);
});

Deno.test("the console sends a signed-out browser to sign in, and works once it has", async () => {
  const test = await startTestHost(["echo"], `[auth]\ntoken = "${TOKEN}"\n`);
  const browser = await launchBrowser();
  try {
    await waitForState(test.host.registry, "echo", "running");
    const page = await browser.newPage();
    await page.goto(test.host.url.href);
    await page.waitForURL(/\/console\/login\.html$/);
    await page.fill("#token", "not the token");
    await page.click("button[type=submit]");
    await page.waitForSelector("#notice:not(:empty)");
    await page.fill("#token", TOKEN);
    await page.click("button[type=submit]");
    await page.waitForSelector('article[data-plugin="echo"]');
    // Access: make a read-only token, shown once; the audit log shows it was made.
    await page.goto(new URL("/#/access", test.host.url).href);
    await page.fill('input[name="name"]', "ci-reader");
    await page.selectOption('select[name="scope"]', "read");
    await page.click("text=Make token");
    const secret = await (await page.waitForSelector(".made .secret")).textContent();
    assert.match(secret ?? "", /^qntx_[0-9a-f]{16}_[0-9a-f]{64}$/);
    await page.waitForSelector("text=POST /api/auth/tokens");
    const read = await call(test, "/api/plugins", { bearer: secret! });
    assert.equal(await status(read), 200);
    await page.click("button.sign-out");
    await page.waitForURL(/\/console\/login\.html$/);
  } finally {
    await browser.close();
    await test.close();
  }
});

Deno.test("named tokens: made and revoked by the operator, stored hashed, read-only ones only read", async (t) => {
  const test = await startTestHost(["echo"], `[auth]\ntoken = "${TOKEN}"\n`);
  const json = { "content-type": "application/json" };
  try {
    await waitForState(test.host.registry, "echo", "running");
    const make = async (name: string, scope: string) => {
      const response = await call(test, "/api/auth/tokens", {
        method: "POST",
        bearer: TOKEN,
        headers: json,
        body: JSON.stringify({ name, scope }),
      });
      assert.equal(response.status, 201);
      return (await response.json()).token as string;
    };
    const reader = await make("dashboard", "read");
    const deployer = await make("deployer", "admin");
    await t.step("the database keeps only the hash of each secret", () => {
      const rows = test.host.db.prepare("SELECT * FROM api_tokens").all();
      const stored = JSON.stringify(rows);
      for (const token of [reader, deployer]) {
        assert.ok(!stored.includes(token.split("_")[2]!), "a secret is stored as it is");
      }
    });
    await t.step("a read-only token reads, and changes nothing", async () => {
      assert.equal(await status(await call(test, "/api/plugins", { bearer: reader })), 200);
      assert.equal(await status(await call(test, "/api/echo/greeting", { bearer: reader })), 200);
      const pause = await call(test, "/api/plugins/echo/pause", { method: "POST", bearer: reader });
      assert.equal(pause.status, 403);
      assert.match((await pause.json()).detail, /token "dashboard" is read-only/);
      assert.equal(await status(await call(test, "/api/auth/tokens", { bearer: reader })), 403);
      assert.equal(await status(await call(test, "/api/audit", { bearer: reader })), 403);
      assert.match(await upgrade(test, `Authorization: Bearer ${reader}\r\n`), /^HTTP\/1\.1 403/);
      assert.equal(test.host.registry.getState("echo"), "running");
    });
    await t.step(
      "an admin token changes state; a made-up one with a real id does not",
      async () => {
        assert.equal(
          await status(
            await call(test, "/api/plugins/echo/pause", { method: "POST", bearer: deployer }),
          ),
          200,
        );
        const forged = deployer.slice(0, -4) + "0000";
        assert.equal(await status(await call(test, "/api/plugins", { bearer: forged })), 401);
      },
    );
    await t.step("the list shows names, scopes and use, never a secret", async () => {
      const list = await (await call(test, "/api/auth/tokens", { bearer: TOKEN })).json();
      assert.deepEqual(list.tokens.map((row: { name: string }) => row.name), [
        "dashboard",
        "deployer",
      ]);
      assert.ok(!JSON.stringify(list).includes(deployer));
      assert.ok(list.tokens.every((row: { lastUsedAt: number }) => row.lastUsedAt > 0));
    });
    await t.step("a revoked token stops working", async () => {
      assert.equal(
        await status(
          await call(test, "/api/auth/tokens/deployer", { method: "DELETE", bearer: TOKEN }),
        ),
        204,
      );
      assert.equal(await status(await call(test, "/api/plugins", { bearer: deployer })), 401);
    });
    await t.step("the audit log has who did what, from where, and the answer", async () => {
      const { entries } = await (await call(test, "/api/audit?limit=50", { bearer: TOKEN })).json();
      const seen = entries.map((e: { actor: string; action: string; status: number }) =>
        `${e.actor} ${e.action} ${e.status}`
      );
      for (
        const expected of [
          "operator POST /api/auth/tokens 201",
          "deployer POST /api/plugins/echo/pause 200",
          "dashboard POST /api/plugins/echo/pause 403",
          "operator DELETE /api/auth/tokens/deployer 204",
          "- credential refused 401",
        ]
      ) assert.ok(seen.includes(expected), `${expected} in ${seen.join(", ")}`);
      assert.ok(entries.every((e: { client: string }) => e.client === "127.0.0.1"));
    });
  } finally {
    await test.close();
  }
});

Deno.test("bound beyond loopback with no credential configured, the host refuses to start (exit 2)", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "am.toml"), `[server]\nbind_address = "0.0.0.0"\n`);
    // No token (spawned hosts get the test token unless told otherwise).
    const env = { QNTX_AUTH_ENABLED: "true", QNTX_AUTH_TOKEN: "" };
    const refused = spawnHost({ cwd: dir, env });
    assert.equal((await refused.finished).code, 2);
    const said = refused.lines.map((line) => String(line.msg)).join("\n");
    assert.match(said, /beyond loopback, and no credential is configured: set \[auth\] token/);
    await assert.rejects(Deno.stat(join(dir, "data", "auth_token")), Deno.errors.NotFound);
    // With a token it starts (and says where it listens).
    const host = spawnHost({ cwd: dir, env: { ...env, QNTX_AUTH_TOKEN: TOKEN } });
    await listeningUrl(host);
    host.child.kill("SIGTERM");
    assert.equal((await host.finished).code, 0);
  });
});
