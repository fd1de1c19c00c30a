/**
 * Installing plugins through a real host: archives uploaded and fetched by URL, checked
 * (checksum, signature, paths), put in place, and a running plugin switched to them under load
 * without a failed request; a version that does not come up is put back; rollback.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { generateSigningKey, packArchive, signArchive } from "../src/install/mod.ts";
import { sha256Hex } from "../src/supervisor/mod.ts";
import { tarGz } from "../src/install/_archives.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";
import { NAME, steadyLoad, writeVersion } from "./_versioned_plugin.ts";

const KEY = await generateSigningKey();

/** Version `version` of `tool` as an archive, its checksum and its signature by KEY. */
async function release(version: string, options: Parameters<typeof writeVersion>[2] = {}) {
  const dir = await Deno.makeTempDir({ prefix: "qntx-release-" });
  try {
    await writeVersion(dir, version, { ...options, dir });
    const archive = await packArchive(dir);
    const sha256 = await sha256Hex(archive);
    return { archive, sha256, signature: await signArchive(KEY.privatePem, sha256) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

type Release = Awaited<ReturnType<typeof release>>;

function upload(test: TestHost, archive: Uint8Array, query = "", headers: HeadersInit = {}) {
  return fetch(new URL(`/api/plugins/install${query}`, test.host.url), {
    method: "POST",
    headers: { "content-type": "application/gzip", ...headers },
    body: archive as Uint8Array<ArrayBuffer>,
  });
}

/** `POST /api/plugins/install` with a JSON body (an archive named by URL). */
function installFrom(test: TestHost, body: Record<string, unknown>) {
  return fetch(new URL("/api/plugins/install", test.host.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function uploadSigned(test: TestHost, made: Release) {
  return upload(test, made.archive, `?sha256=${made.sha256}`, {
    "qntx-signature": JSON.stringify(made.signature),
  });
}

async function withHost(run: (test: TestHost, root: string) => Promise<void>, toml = "") {
  const root = await Deno.makeTempDir({ prefix: "qntx-installs-" });
  const test = await startTestHost(
    [NAME],
    `trusted_keys = ["${KEY.publicKey}"]\n${toml}`,
    [root],
  );
  try {
    await test.host.pluginsStarted;
    await run(test, root);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
}

const version = async (test: TestHost) =>
  await (await fetch(new URL(`/api/${NAME}/version`, test.host.url))).text();

Deno.test("an install switches a running plugin to the new version under load; rollback returns", async () => {
  await withHost(async (test, root) => {
    // Not there yet: the plugin failed to be found. Installed, it starts at its next start.
    assert.equal(test.host.registry.getState(NAME), "failed");
    const first = await uploadSigned(test, await release("1.0.0"));
    const installed = await first.json();
    assert.equal(first.status, 200, JSON.stringify(installed));
    assert.equal(installed.applied, "next start");
    assert.equal(installed.signedBy, KEY.publicKey);
    await test.host.supervisor!.enable(NAME);
    await waitForState(test.host.registry, NAME, "running");
    assert.equal(await version(test), "1.0.0");

    const load = steadyLoad(test, 6);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await uploadSigned(test, await release("2.0.0"));
    const upgraded = await second.json();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const back = await fetch(new URL(`/api/plugins/${NAME}/rollback`, test.host.url), {
      method: "POST",
    });
    const rolled = await back.json();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await load.stop();

    assert.equal(second.status, 200, JSON.stringify(upgraded));
    assert.equal(upgraded.applied, "now");
    assert.deepEqual([upgraded.upgrade.from, upgraded.upgrade.to], ["1.0.0", "2.0.0"]);
    assert.equal(back.status, 200, JSON.stringify(rolled));
    assert.deepEqual([rolled.upgrade.from, rolled.upgrade.to], ["2.0.0", "1.0.0"]);
    assert.deepEqual(load.answers.filter((answer) => answer.status !== 200), []);
    const served = new Set(load.answers.map((answer) => answer.body));
    assert.deepEqual(served, new Set(["1.0.0", "2.0.0"]));
    assert.equal(await version(test), "1.0.0");
    assert.match(await Deno.readLink(join(root, NAME)), /^\.versions\/tool\/1\.0\.0-/);
  });
});

Deno.test("refused archives change nothing and say why", async () => {
  await withHost(async (test, root) => {
    const v1 = await release("1.0.0");
    assert.equal((await (await uploadSigned(test, v1)).body?.cancel(), 200), 200);
    await test.host.supervisor!.enable(NAME);
    await waitForState(test.host.registry, NAME, "running");
    const v2 = await release("2.0.0");
    const tampered = v2.archive.slice();
    tampered[tampered.length - 20]! ^= 0x01;
    const escaping = await tarGz([
      {
        name: "tool/plugin.json",
        body: JSON.stringify({ name: NAME, version: "3.0.0", entry: "m.ts" }),
      },
      { name: "tool/m.ts", body: "" },
      { name: "tool/../../../etc/cron.d/x", body: "* * * * * root sh" },
    ]);
    const garbage = new TextEncoder().encode("hello");
    const cases: [string, Promise<Response>, number, RegExp][] = [
      [
        "tampered",
        upload(test, tampered, `?sha256=${v2.sha256}`),
        422,
        /SHA-256 is .* not the expected/,
      ],
      ["unsigned", upload(test, v2.archive), 422, /require_signatures = true refuses unsigned/],
      [
        "escaping",
        upload(test, escaping, "", {
          "qntx-signature": JSON.stringify(
            await signArchive(KEY.privatePem, await sha256Hex(escaping)),
          ),
        }),
        422,
        /climbs out with "\.\."/,
      ],
      [
        "not gzip",
        upload(test, garbage, "", {
          "qntx-signature": JSON.stringify(
            await signArchive(KEY.privatePem, await sha256Hex(garbage)),
          ),
        }),
        422,
        /not gzip/,
      ],
      ["a bad checksum", upload(test, v2.archive, "?sha256=xyz"), 400, /64 hex digits/],
      [
        "asks what is not granted",
        uploadSigned(test, await release("2.1.0", { permissions: { env: ["SECRET_TOKEN"] } })),
        422,
        /v2\.1\.0 was not installed: plugin "tool" asks for what the operator has not granted: env SECRET_TOKEN.*stays on its version/,
      ],
      [
        "a bad signature header",
        upload(test, v2.archive, "", { "qntx-signature": "{" }),
        400,
        /signature file's JSON/,
      ],
      [
        "a form",
        fetch(new URL("/api/plugins/install", test.host.url), {
          method: "POST",
          body: new URLSearchParams({ url: "x" }),
        }),
        415,
        /takes an archive/,
      ],
      [
        "a URL alone",
        installFrom(test, { url: "https://example.com/x.tar.gz" }),
        400,
        /needs the archive's sha256 or a signature/,
      ],
      [
        "plain http",
        installFrom(test, { url: "http://example.com/x.tar.gz", sha256: v2.sha256 }),
        422,
        /https only/,
      ],
      [
        "a file URL",
        installFrom(test, { url: "file:///etc/passwd", sha256: v2.sha256 }),
        422,
        /https only/,
      ],
    ];
    for (const [what, pending, status, detail] of cases) {
      const response = await pending;
      const problem = await response.json();
      assert.equal(response.status, status, `${what}: ${JSON.stringify(problem)}`);
      assert.match(problem.detail, detail, what);
    }
    assert.equal(await version(test), "1.0.0");
    assert.match(await Deno.readLink(join(root, NAME)), /^\.versions\/tool\/1\.0\.0-/);
    const versions = await Array.fromAsync(Deno.readDir(join(root, ".versions", NAME)));
    assert.equal(versions.length, 2, "v1 and the record, nothing else");
  }, "require_signatures = true");
});

Deno.test("a version that does not come up is put back on disk; the old one never stopped", async () => {
  await withHost(async (test, root) => {
    await (await uploadSigned(test, await release("1.0.0"))).body?.cancel();
    await test.host.supervisor!.enable(NAME);
    await waitForState(test.host.registry, NAME, "running");
    const pid = test.host.supervisor!.get(NAME)!.pid;
    const load = steadyLoad(test, 4);
    const response = await uploadSigned(
      test,
      await release("2.0.0", { preamble: 'throw new Error("v2 is broken");' }),
    );
    const problem = await response.json();
    await load.stop();
    assert.equal(response.status, 502, JSON.stringify(problem));
    assert.match(problem.detail, /v2 is broken/);
    assert.match(problem.detail, /v1\.0\.0 keeps serving/);
    assert.deepEqual(load.answers.filter((answer) => answer.status !== 200), []);
    assert.equal(test.host.supervisor!.get(NAME)!.pid, pid);
    assert.match(await Deno.readLink(join(root, NAME)), /^\.versions\/tool\/1\.0\.0-/);
    // The version that did not come up is not kept.
    const kept = await Array.fromAsync(Deno.readDir(join(root, ".versions", NAME)));
    assert.deepEqual(kept.map((entry) => entry.name.slice(0, 6)).sort(), ["1.0.0-", "instal"]);
    // A restart now starts what is on disk: still v1.
    await test.host.supervisor!.restart(NAME);
    assert.equal(await version(test), "1.0.0");
  });
});

Deno.test("an archive named by URL is fetched with its signature, over few redirects", async () => {
  const v1 = await release("1.0.0");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/tool.tar.gz") return new Response(v1.archive as Uint8Array<ArrayBuffer>);
    if (path === "/tool.tar.gz.sig") return Response.json(v1.signature);
    if (path === "/moved") return Response.redirect(new URL("/tool.tar.gz", request.url), 302);
    if (path.startsWith("/loop")) return Response.redirect(new URL(path + "x", request.url), 302);
    if (path === "/elsewhere") return Response.redirect("http://example.com/tool.tar.gz", 302);
    return new Response("no", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await withHost(async (test) => {
      const refusals: [Record<string, unknown>, RegExp][] = [
        [{ url: `${base}/loop`, sha256: v1.sha256 }, /redirects more than 3 times/],
        [{ url: `${base}/elsewhere`, sha256: v1.sha256 }, /http:\/\/example\.com.* https only/],
        [{ url: `${base}/missing`, sha256: v1.sha256 }, /answered 404/],
        [{ url: `${base}/moved`, sha256: "0".repeat(64) }, /not the expected/],
      ];
      for (const [body, detail] of refusals) {
        const response = await installFrom(test, body);
        const problem = await response.json();
        assert.equal(response.status, 422, JSON.stringify(problem));
        assert.match(problem.detail, detail);
      }
      // Its signature comes from beside it (.sig): under require_signatures, that is what lets
      // it in.
      const response = await installFrom(test, { url: `${base}/tool.tar.gz`, sha256: v1.sha256 });
      const installed = await response.json();
      assert.equal(response.status, 200, JSON.stringify(installed));
      assert.equal(installed.signedBy, KEY.publicKey, "the .sig beside it was checked");
      const viaRedirect = await installFrom(test, {
        url: `${base}/moved`,
        signature: v1.signature,
      });
      const again = await viaRedirect.json();
      assert.equal(viaRedirect.status, 200, JSON.stringify(again));
      assert.equal(again.sha256, v1.sha256);
    }, "require_signatures = true");
  } finally {
    await server.shutdown();
  }
});
