import assert from "node:assert/strict";
import { ConfigError, formatIssue } from "./errors.ts";
import { parseHostConfig } from "./host_config.ts";

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseHostConfig(text, "am.toml", env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.issues.map(formatIssue);
  }
  assert.fail("the configuration was accepted");
}

Deno.test("parseHostConfig() gives the defaults for an empty file", () => {
  const config = parseHostConfig("", "am.toml");
  assert.deepEqual(config.server, {
    bindAddress: "127.0.0.1",
    port: 8877,
    allowedOrigins: [],
    allowedHosts: [],
    maxWebSocketsPerClient: 256,
    maxConnectionsPerClient: 512,
    maxConnections: 10_000,
    bodyLimit: 16 * 1024 * 1024,
    requestTimeout: 30_000,
    logLevel: "info",
    slowClientGuard: "on",
    headerTimeout: 10_000,
    idleTimeout: 120_000,
    publicUrl: "",
  });
  assert.deepEqual(config.plugin.enabled, []);
  assert.deepEqual(config.plugin.paths, ["plugins", "~/.qntx/plugins", "qntx-plugins"]);
  assert.equal(config.plugin.initializeTimeout, 30_000);
  assert.deepEqual(config.plugin.keepalive, {
    enabled: true,
    pingIntervalSecs: 30,
    pongTimeoutSecs: 60,
    reconnectAttempts: 3,
  });
  assert.deepEqual(config.plugin.restart, {
    delay: 100,
    delayMax: 30_000,
    maxCrashes: 5,
    crashWindow: 60_000,
    stableAfter: 30_000,
  });
  assert.deepEqual(config.database, { path: "data/qntx.db", url: "" });
  assert.deepEqual(config.pulse, {
    workers: 4,
    tickerIntervalSeconds: 1,
    jobTimeout: 300_000,
    maxRetries: 3,
    retryDelay: 1000,
    retryDelayMax: 300_000,
    recoverRunning: "requeue",
    lease: 15_000,
  });
  assert.deepEqual(config.plugins, {});
  assert.deepEqual(config.warnings, []);
});

Deno.test("parseHostConfig() reads every host section and each plugin's table", () => {
  const config = parseHostConfig(
    `
[server]
bind_address = "0.0.0.0"
port = 9000
allowed_origins = ["https://console.example.com"]
body_limit = "1MiB"
log_level = "debug"

[plugin]
enabled = ["code", "biotech"]
paths = ["plugins", "/opt/qntx/plugins"]
initialize_timeout = "2m"
health_interval = "500ms"

[plugin.websocket.keepalive]
enabled = false
ping_interval_secs = 5

[database]
path = "/var/lib/qntx/qntx.db"

[biotech]
reference_genome = "GRCh38"
threads = 4

[code.gopls]
workspace_root = "/src"
flags = ["-rpc.trace"]
`,
    "am.toml",
  );
  assert.equal(config.server.bindAddress, "0.0.0.0");
  assert.equal(config.server.port, 9000);
  assert.deepEqual(config.server.allowedOrigins, ["https://console.example.com"]);
  assert.equal(config.server.bodyLimit, 1024 * 1024);
  assert.equal(config.server.logLevel, "debug");
  assert.deepEqual(config.plugin.enabled, ["code", "biotech"]);
  assert.equal(config.plugin.initializeTimeout, 120_000);
  assert.equal(config.plugin.healthInterval, 500);
  assert.equal(config.plugin.keepalive.enabled, false);
  assert.equal(config.plugin.keepalive.pingIntervalSecs, 5);
  assert.equal(config.database.path, "/var/lib/qntx/qntx.db");
  assert.deepEqual(config.plugins, {
    biotech: { reference_genome: "GRCh38", threads: 4 },
    code: { "gopls.workspace_root": "/src", "gopls.flags": ["-rpc.trace"] },
  });
});

Deno.test("parseHostConfig() lists every problem at once, each with the file and key", () => {
  assert.deepEqual(
    problems(`
[server]
port = "eighty"
body_limit = "huge"
log_level = "loud"
allowed_origins = ["not an origin"]
public_url = "qntx-2.internal:8877"

[plugin]
enabled = ["code", "Bad_Name", "plugins", "code"]
initialize_timeout = 30

[pulse]
workers = 0
[plugin.restart]
max_crashes = 0
`),
    [
      'am.toml: server.port: expected an integer from 0 to 65535, got "eighty"',
      'am.toml: server.allowed_origins.0: "not an origin" is not an origin such as "http://localhost:8877", got "not an origin"',
      'am.toml: server.body_limit: expected a size from 1 bytes to 4 GiB, as bytes or with a unit such as "512KiB" or "16MiB", got "huge"',
      'am.toml: server.log_level: expected one of debug, info, warn, error, got "loud"',
      'am.toml: server.public_url: must be an http(s) URL with no path, such as http://qntx-2.internal:8877, got "qntx-2.internal:8877"',
      'am.toml: plugin.enabled.1: "Bad_Name" cannot be a plugin name: a name must match [a-z0-9][a-z0-9-]* (lower-case letters, digits and dashes), got "Bad_Name"',
      'am.toml: plugin.enabled.2: "plugins" cannot be a plugin name: the name is reserved for the host\'s own routes (/api/plugins), got "plugins"',
      'am.toml: plugin.enabled.3: "code" is listed twice, got "code"',
      'am.toml: plugin.initialize_timeout: expected a duration from 100 ms to 3600 s with its unit, such as "500ms", "5s" or "2m", got 30',
      "am.toml: plugin.restart.max_crashes: expected an integer from 1 to 1000, got 0",
      "am.toml: pulse.workers: expected an integer from 1 to 64, got 0",
    ],
  );
});

Deno.test("parseHostConfig() reports a TOML syntax error with its line and column", () => {
  const [problem] = problems("[server]\nport = = 3\n");
  assert.match(problem!, /^am\.toml: line 2, column \d+: not valid TOML: /);
});

Deno.test("parseHostConfig() refuses a host section that is not a table", () => {
  assert.deepEqual(problems('server = "localhost"'), [
    "am.toml: server: expected a table ([server])",
  ]);
});

Deno.test("parseHostConfig() warns about unknown keys but loads a QNTX am.toml unchanged", () => {
  const config = parseHostConfig(
    `
stray = 1

[server]
port = 877
log_theme = "everforest"
frontend_port = 8820
colour = "blue"

[plugin.websocket]
compression = true

[database]
path = "qntx.db"
[database.bounded_storage]
actor_context_limit = 16

[pulse]
http_max_requests_per_minute = 10

[ax]
default_actor = "ax@user"
`,
    "am.toml",
  );
  assert.equal(config.server.port, 877);
  assert.deepEqual(config.warnings, [
    "am.toml: stray: a top-level key outside any [section] is ignored",
    "am.toml: server.colour: unknown setting, ignored",
    "am.toml: plugin.websocket.compression: unknown setting, ignored",
  ]);
  assert.deepEqual(config.plugins.ax, { default_actor: "ax@user" });
});

Deno.test("QNTX_<SECTION>_<KEY> environment variables override the file", () => {
  const config = parseHostConfig(
    `
[plugin]
enabled = ["code", "my-plugin"]

[code.gopls]
workspace_root = "/src"

[biotech]
threads = 4
`,
    "am.toml",
    {
      QNTX_SERVER_PORT: "9000",
      QNTX_SERVER_ALLOWED_ORIGINS: "http://a.test, http://b.test",
      QNTX_PLUGIN_ENABLED: '["code","biotech","my-plugin"]',
      QNTX_PLUGIN_WEBSOCKET_KEEPALIVE_ENABLED: "off",
      QNTX_PLUGIN_SHUTDOWN_TIMEOUT: "3s",
      QNTX_CODE_GOPLS_WORKSPACE_ROOT: "/elsewhere",
      QNTX_BIOTECH_THREADS: "16",
      QNTX_BIOTECH_REFERENCE_GENOME: "hg19",
      QNTX_MY_PLUGIN_API_KEY: "env:MY_KEY",
      QNTX_CONFIG: "/etc/qntx/am.toml",
      HOME: "/root",
    },
  );
  assert.equal(config.server.port, 9000);
  assert.deepEqual(config.server.allowedOrigins, ["http://a.test", "http://b.test"]);
  assert.deepEqual(config.plugin.enabled, ["code", "biotech", "my-plugin"]);
  assert.equal(config.plugin.keepalive.enabled, false);
  assert.equal(config.plugin.shutdownTimeout, 3000);
  assert.deepEqual(config.plugins.code, { "gopls.workspace_root": "/elsewhere" });
  assert.deepEqual(config.plugins.biotech, { threads: "16", reference_genome: "hg19" });
  assert.deepEqual(config.plugins["my-plugin"], { api_key: "env:MY_KEY" });
  assert.deepEqual(config.warnings, []);
});

Deno.test("an invalid environment override names the variable", () => {
  assert.deepEqual(problems("", { QNTX_SERVER_PORT: "99999", QNTX_SERVER_PROT: "1" }), [
    "environment QNTX_SERVER_PROT: server.prot: [server] has no such setting",
    'environment QNTX_SERVER_PORT: server.port: expected an integer from 0 to 65535, got "99999"',
  ]);
  assert.deepEqual(
    problems("", { QNTX_PLUGIN_WEBSOCKET_KEEPALIVE_PING_INTERVAL_SECS: "often" }),
    [
      'environment QNTX_PLUGIN_WEBSOCKET_KEEPALIVE_PING_INTERVAL_SECS: plugin.websocket.keepalive.ping_interval_secs: expected an integer from 1 to 3600, got "often"',
    ],
  );
});

Deno.test("an empty QNTX_ variable counts as unset", () => {
  const config = parseHostConfig("[server]\nport = 1234\n", "am.toml", { QNTX_SERVER_PORT: "" });
  assert.equal(config.server.port, 1234);
});

Deno.test("a QNTX_ variable that matches no section is reported as a warning", () => {
  const config = parseHostConfig("", "am.toml", { QNTX_NOWHERE: "1" });
  assert.deepEqual(config.warnings, [
    "environment QNTX_NOWHERE ignored: no section of am.toml matches it",
  ]);
});

Deno.test("[database] url takes a postgres:// URL, and says so otherwise", () => {
  const good = parseHostConfig('[database]\nurl = "postgres://qntx@db:5432/qntx"\n', "am.toml");
  assert.equal(good.database.url, "postgres://qntx@db:5432/qntx");
  assert.throws(
    () => parseHostConfig('[database]\nurl = "mysql://db/qntx"\n', "am.toml"),
    /must be a postgres:\/\/ URL/,
  );
});
