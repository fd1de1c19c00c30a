import assert from "node:assert/strict";
import { permissionsSchema } from "./manifest.ts";
import { isGranted } from "./permission_audit.ts";
import { GRPC_ENV, NO_GRANTS, sandboxEnv, sandboxFlags } from "./sandbox.ts";

const PATHS = {
  pluginDir: "/srv/plugins/bio",
  dataDir: "/srv/data/plugins/bio",
  socket: "/srv/data/run/bio.sock",
  hostSockets: ["/srv/data/run/host.sock"],
};

Deno.test("sandboxFlags() grants the plugin's folder, its data, the sockets and what it asked for", () => {
  const result = sandboxFlags(
    "bio",
    permissionsSchema.parse({
      net: ["api.ncbi.nlm.nih.gov:443"],
      env: ["NCBI_KEY"],
      write: ["cache"],
    }),
    { ...NO_GRANTS, read: ["/genomes"] },
    PATHS,
  );
  assert.ok(result.ok);
  assert.deepEqual(result.flags, [
    "--no-prompt",
    "--no-remote",
    "--cached-only",
    "--allow-read=/srv/plugins/bio,/srv/data/plugins/bio,/srv/data/run/bio.sock,/srv/data/run/host.sock,/genomes",
    "--allow-write=/srv/data/plugins/bio,/srv/data/run/bio.sock,/srv/data/run/host.sock,/srv/plugins/bio/cache",
    "--allow-net=unix:/srv/data/run/bio.sock,unix:/srv/data/run/host.sock,api.ncbi.nlm.nih.gov:443",
    `--allow-env=${[...GRPC_ENV, "NCBI_KEY"].join(",")}`,
  ]);
});

Deno.test("sandboxFlags() refuses run, ffi, sys and all unless the plugin is trusted", () => {
  const greedy = permissionsSchema.parse({
    run: ["git"],
    ffi: ["/lib/x.so"],
    sys: ["hostname"],
    all: true,
  });
  const refused = sandboxFlags("code", greedy, NO_GRANTS, PATHS);
  assert.ok(!refused.ok);
  assert.deepEqual(refused.refused.map((reason) => reason.split(",")[0]), [
    'plugin "code" asks for run (git)',
    'plugin "code" asks for ffi (/lib/x.so)',
    'plugin "code" asks for sys (hostname)',
    'plugin "code" asks for all permissions; set trusted = true in [plugin.grants.code] to allow it',
  ]);
  const trusted = sandboxFlags("code", permissionsSchema.parse({ run: ["git"] }), {
    ...NO_GRANTS,
    trusted: true,
  }, PATHS);
  assert.ok(trusted.ok);
  assert.ok(trusted.flags.includes("--allow-run=git"));
  const all = sandboxFlags("code", greedy, { ...NO_GRANTS, trusted: true }, PATHS);
  assert.ok(all.ok);
  assert.deepEqual(all.flags, ["--no-prompt", "--allow-all"]);
});

Deno.test("sandboxFlags() refuses relative grant paths", () => {
  const result = sandboxFlags("bio", permissionsSchema.parse({}), {
    ...NO_GRANTS,
    read: ["genomes"],
  }, PATHS);
  assert.ok(!result.ok);
  assert.deepEqual(result.refused, ['grant "genomes" for plugin "bio" must be an absolute path']);
});

Deno.test("sandboxEnv() passes only what Deno needs and the granted variables", () => {
  const host = { HOME: "/root", PATH: "/bin", AWS_SECRET: "s", NCBI_KEY: "k", DENO_DIR: "/cache" };
  assert.deepEqual(sandboxEnv(host, ["NCBI_KEY", "MISSING"]), {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
    TZ: Intl.DateTimeFormat().resolvedOptions().timeZone,
    HOME: "/root",
    DENO_DIR: "/cache",
    NCBI_KEY: "k",
  });
});

Deno.test("sandboxEnv() names the host's time zone, its own TZ first", () => {
  assert.equal(sandboxEnv({ TZ: "Europe/Brussels" }, []).TZ, "Europe/Brussels");
  assert.equal(sandboxEnv({}, []).TZ, Intl.DateTimeFormat().resolvedOptions().timeZone);
});

Deno.test("isGranted() matches paths by folder, hosts with or without port, names exactly", async (t) => {
  const result = sandboxFlags(
    "bio",
    permissionsSchema.parse({ net: ["example.com"] }),
    NO_GRANTS,
    PATHS,
  );
  assert.ok(result.ok);
  const rows: [string, string, boolean][] = [
    ["read", "/srv/plugins/bio/main.ts", true],
    ["read", "/srv/plugins/bio", true],
    ["read", "/srv/plugins/biology/x", false],
    ["read", "/etc/passwd", false],
    ["write", "/srv/plugins/bio/main.ts", false],
    ["write", "/srv/data/plugins/bio/out.json", true],
    ["net", "example.com:443", true],
    ["net", "example.org:443", false],
    ["env", "GRPC_TRACE", true],
    ["env", "HOME", false],
    ["run", "git", false],
  ];
  for (const [permission, value, expected] of rows) {
    await t.step(`${permission} ${value}: ${expected ? "granted" : "denied"}`, () => {
      assert.equal(isGranted(result.granted, permission, value), expected);
    });
  }
});
