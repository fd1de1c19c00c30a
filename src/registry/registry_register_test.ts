import assert from "node:assert/strict";
import { fakePlugin } from "./_fake_plugin.ts";
import { rejectsWith, setup, transitions } from "./_registry_setup.ts";
import type { RegistryErrorCode } from "./errors.ts";

Deno.test("register() adds a plugin in loading and announces it", () => {
  const { registry, changes } = setup();
  registry.register(fakePlugin("biotech"));
  assert.deepEqual(registry.list(), ["biotech"]);
  assert.equal(registry.getState("biotech"), "loading");
  assert.equal(registry.isReady("biotech"), false);
  assert.deepEqual(transitions(changes), ["biotech:new->loading"]);
});

Deno.test("register() refuses a taken name and keeps the first plugin", async () => {
  const { registry } = setup();
  const first = fakePlugin("code", { version: "1.0.0" });
  registry.register(first);
  await rejectsWith(
    () => registry.register(fakePlugin("code", { version: "2.0.0" })),
    "conflict",
    /plugin "code" is already registered \(version 1\.0\.0\); the second registration \(version 2\.0\.0\) was refused/,
  );
  assert.equal(registry.get("code"), first);
  assert.equal(registry.snapshot("code")?.metadata?.version, "1.0.0");
});

Deno.test("register() checks the host version against the plugin's constraint", async (t) => {
  const rows: { constraint: string; host: string; refused?: [RegistryErrorCode, RegExp] }[] = [
    { constraint: "^1.0.0", host: "1.2.0" },
    { constraint: ">=0.3.0 <2", host: "1.9.9" },
    { constraint: "", host: "0.1.0" },
    { constraint: "   ", host: "0.1.0" },
    { constraint: "^9.0.0", host: "dev" },
    { constraint: "not a range at all", host: "dev" },
    { constraint: "^1.0.0", host: "1.1.0-beta.1" },
    {
      constraint: "^2.0.0",
      host: "1.2.0",
      refused: ["incompatible", /requires QNTX \^2\.0\.0 but this host is version 1\.2\.0/],
    },
    {
      constraint: ">=0.3.0 <1",
      host: "1.0.0",
      refused: ["incompatible", /requires QNTX >=0\.3\.0 <1 but this host is version 1\.0\.0/],
    },
    {
      constraint: "not a range",
      host: "1.0.0",
      refused: [
        "invalid",
        /invalid qntxVersion constraint "not a range"; contact the plugin's author/,
      ],
    },
  ];
  for (const row of rows) {
    await t.step(`constraint "${row.constraint}" on host ${row.host}`, async () => {
      const { registry } = setup(row.host);
      const register = () =>
        registry.register(fakePlugin("finance", { qntxVersion: row.constraint }));
      if (row.refused) {
        await rejectsWith(register, ...row.refused);
        assert.deepEqual(registry.listEnabled(), []);
      } else {
        register();
        assert.deepEqual(registry.list(), ["finance"]);
      }
    });
  }
});

Deno.test("register() refuses a plugin version that is not semver", async () => {
  const { registry } = setup();
  await rejectsWith(
    () => registry.register(fakePlugin("finance", { version: "1.0" })),
    "invalid",
    /plugin "finance" declares version "1\.0", which is not a semantic version/,
  );
});

Deno.test("register() refuses malformed and reserved names", async (t) => {
  const rows: [string, RegExp][] = [
    ["", /the name is empty/],
    ["Biotech", /must match \[a-z0-9\]\[a-z0-9-\]\*/],
    ["-code", /must match/],
    ["bio_tech", /must match/],
    ["bio tech", /must match/],
    ["x".repeat(64), /64 characters long; the limit is 63/],
    ["plugins", /reserved for the host's own routes \(\/api\/plugins\)/],
    ["attestations", /reserved/],
    ["pulse", /reserved/],
    ["health", /reserved/],
    ["healthz", /reserved/],
    ["metrics", /reserved/],
    // The host's own tables of am.toml: a plugin named so would read and write them.
    ["server", /reserved: \[server\] is the host's own table in am\.toml, not a plugin's/],
    ["plugin", /reserved: \[plugin\] is the host's own table/],
    ["database", /reserved: \[database\] is the host's own table/],
    ["pulse", /reserved: \[pulse\] is the host's own table/],
    ["auth", /reserved: \[auth\] is the host's own table/],
  ];
  for (const [name, message] of rows) {
    await t.step(`"${name.slice(0, 12)}" is refused`, async () => {
      const { registry } = setup();
      await rejectsWith(() => registry.register(fakePlugin(name)), "invalid", message);
      await rejectsWith(() => registry.preRegister(name), "invalid", message);
    });
  }
  for (const name of ["code", "bio-tech", "9lives", "a"]) {
    await t.step(`"${name}" is accepted`, () => {
      const { registry } = setup();
      registry.register(fakePlugin(name));
      assert.deepEqual(registry.list(), [name]);
    });
  }
});

Deno.test("register() reports a plugin whose metadata() throws", async () => {
  const { registry } = setup();
  const broken = {
    ...fakePlugin("x"),
    metadata: () => {
      throw new Error("no metadata");
    },
  };
  await rejectsWith(() => registry.register(broken), "invalid", /could not be read: no metadata/);
});

Deno.test("preRegister() reserves a loading name that register() fills and markReady() runs", async () => {
  const { registry, changes } = setup();
  registry.preRegister("finance");
  assert.deepEqual(registry.listEnabled(), ["finance"]);
  assert.deepEqual(registry.list(), []);
  assert.equal(registry.getState("finance"), "loading");
  assert.equal(registry.get("finance"), undefined);
  await rejectsWith(() => registry.preRegister("finance"), "conflict", /already registered/);
  await rejectsWith(
    () => registry.markReady("finance"),
    "conflict",
    /pre-registered but never registered/,
  );

  registry.register(fakePlugin("finance"));
  assert.deepEqual(registry.list(), ["finance"]);
  assert.equal(registry.getState("finance"), "loading");
  registry.markReady("finance");
  assert.equal(registry.isReady("finance"), true);
  assert.deepEqual(transitions(changes), ["finance:new->loading", "finance:loading->running"]);
  await rejectsWith(
    () => registry.markReady("nope"),
    "not_found",
    /plugin "nope" is not registered/,
  );
});

Deno.test("list() and listEnabled() are sorted; getAll() and getAllStates() follow", () => {
  const { registry } = setup();
  registry.register(fakePlugin("code"));
  registry.preRegister("biotech");
  registry.register(fakePlugin("alpha"));
  assert.deepEqual(registry.list(), ["alpha", "code"]);
  assert.deepEqual(registry.listEnabled(), ["alpha", "biotech", "code"]);
  assert.deepEqual([...registry.getAll().keys()], ["alpha", "code"]);
  assert.deepEqual([...registry.getAllStates()], [
    ["alpha", "loading"],
    ["biotech", "loading"],
    ["code", "loading"],
  ]);
});

Deno.test("markFailed() keeps the reason for the operator", () => {
  const { registry, changes } = setup();
  registry.preRegister("code");
  registry.markFailed("code", "process exited with code 3");
  const snapshot = registry.snapshot("code")!;
  assert.equal(snapshot.state, "failed");
  assert.equal(snapshot.lastError, "process exited with code 3");
  assert.equal(changes.at(-1)?.reason, "process exited with code 3");
});
