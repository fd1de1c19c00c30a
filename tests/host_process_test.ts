import assert from "node:assert/strict";
import { join } from "node:path";
import { listeningUrl, spawnHost, withToken } from "./_host_process.ts";
import { inTempDir } from "./_temp.ts";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`the host serves /healthz and /api/plugins, then stops cleanly on ${signal}`, async () => {
    await inTempDir(async (dir) => {
      const host = spawnHost({ cwd: dir });
      const url = await listeningUrl(host);
      assert.equal(url.hostname, "127.0.0.1");
      assert.notEqual(url.port, "0");

      const health = await fetch(new URL("/healthz", url));
      assert.equal(health.status, 200);
      const body = await health.json();
      assert.equal(body.status, "ok");
      assert.equal(
        body.version,
        JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).version,
      );

      const plugins = await fetch(new URL("/api/plugins", url), withToken());
      assert.deepEqual(await plugins.json(), { plugins: [] });

      host.child.kill(signal);
      const status = await host.finished;
      assert.equal(status.code, 0, JSON.stringify(host.lines));
      assert.ok(host.lines.some((line) => line.msg === "host stopped"));
      assert.ok(Deno.statSync(join(dir, "data", "qntx.db")).isFile, "the database was not created");
    });
  });
}

Deno.test("the host refuses to start on an invalid am.toml and names every problem", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "am.toml"),
      '[server]\nport = "http"\n[plugin]\nenabled = ["Bad"]\n',
    );
    const host = spawnHost({ cwd: dir, env: { QNTX_SERVER_PORT: "" } });
    const status = await host.finished;
    assert.equal(status.code, 2);
    const refusal = host.lines.find((line) => String(line.msg).startsWith("refusing to start"));
    assert.ok(refusal, JSON.stringify(host.lines));
    const issues = refusal.issues as string[];
    assert.equal(issues.length, 2, issues.join("\n"));
    assert.match(
      issues[0]!,
      /^am\.toml: server\.port: expected an integer from 0 to 65535, got "http"$/,
    );
    assert.match(issues[1]!, /^am\.toml: plugin\.enabled\.0: "Bad" cannot be a plugin name/);
  });
});

Deno.test("the host says where it could not listen when the port is taken", async () => {
  await inTempDir(async (dir) => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const host = spawnHost({ cwd: dir, env: { QNTX_SERVER_PORT: String(taken.addr.port) } });
      const status = await host.finished;
      assert.equal(status.code, 1);
      const failure = host.lines.find((line) => line.msg === "the host could not start");
      assert.ok(failure, JSON.stringify(host.lines));
      assert.match(
        String((failure.error as Record<string, unknown>).message),
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken.addr.port}`),
      );
    } finally {
      taken.close();
    }
  });
});

Deno.test("the host reads the file named by --config", async () => {
  await inTempDir(async (dir) => {
    const file = join(dir, "custom.toml");
    await Deno.writeTextFile(file, `[database]\npath = "${join(dir, "elsewhere", "x.db")}"\n`);
    const host = spawnHost({ cwd: dir, args: ["--config", file] });
    const line = await host.waitFor((l) => String(l.msg).startsWith("listening on"));
    assert.equal(line.config, file);
    assert.equal(line.database, join(dir, "elsewhere", "x.db"));
    host.child.kill("SIGTERM");
    assert.equal((await host.finished).code, 0);
  });
});
