/**
 * Live configuration end to end: a real plugin gets new values after a PUT without a new
 * process, bad values are refused per field with nothing written, hand edits of am.toml enable
 * plugins and reconfigure them, and secrets never show in answers or logs.
 */
import assert from "node:assert/strict";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const SECRET = "s3cr3t-value-123";
const ENV_SECRET = "from-the-environment-987";

const TABLE = `[tuned]
# what the plugin says
greeting = "hello there" # keep it friendly
token = "${SECRET}"
`;

async function call(test: TestHost, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, test.host.url), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

function assertNoSecret(test: TestHost, ...answers: unknown[]) {
  const everything = JSON.stringify([
    test.logs,
    test.host.supervisor.logs("tuned")?.lines(),
    answers,
  ]);
  assert.ok(!everything.includes(SECRET), "the secret leaked");
  assert.ok(!everything.includes(ENV_SECRET), "the environment's secret leaked");
}

Deno.test("a PUT validates, writes am.toml keeping comments, and re-initializes the same process", async () => {
  const test = await startTestHost(["tuned"], TABLE, undefined, "", { file: true });
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const before = await call(test, "GET", "/api/tuned/config");
    assert.deepEqual(
      { ...before.body, pid: 0 },
      {
        pid: 0,
        greeting: "hello there",
        times: 1,
        loud: false,
        tokenLength: SECRET.length,
        initializations: 1,
        reconfigurations: 0,
      },
    );
    const shown = await call(test, "GET", "/api/plugins/tuned/config");
    assert.equal(shown.status, 200);
    assert.deepEqual(shown.body.values, { greeting: "hello there", token: "********" });
    assert.equal(shown.body.schema.times.maxValue, 10);
    assert.equal(shown.body.schema.token.secret, true);
    assert.equal(shown.body.schemaKnown, true);
    const file = `${test.dir}/am.toml`;
    const original = await Deno.readTextFile(file);

    const refused = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { greeting: "hi!", times: 11, colour: "red", loud: "maybe" },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.detail, /has 4 problems; nothing was written/);
    assert.deepEqual(refused.body.errors, {
      greeting: '"hi!" does not match the pattern [A-Za-z ]+',
      times: "the value 11 is above the maximum 10",
      colour: "unknown setting; the plugin's settings are greeting, loud, times, token",
      loud: 'expected true or false, got "maybe"',
    });
    assert.equal(await Deno.readTextFile(file), original);

    const dry = await call(test, "PUT", "/api/plugins/tuned/config?dryRun=1", {
      config: { times: 3 },
    });
    assert.deepEqual([dry.status, dry.body.written, dry.body.dryRun], [200, false, true]);
    assert.equal(await Deno.readTextFile(file), original);
    // QNTX's console asks the same with "validate": true in the body.
    const validated = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { times: 3 },
      validate: true,
    });
    assert.deepEqual([validated.status, validated.body.written, validated.body.dryRun], [
      200,
      false,
      true,
    ]);
    const badValidate = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { times: 3 },
      validate: "yes",
    });
    assert.equal(badValidate.status, 400);
    assert.equal(await Deno.readTextFile(file), original);

    const saved = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { times: 3, loud: true, greeting: "good day", token: "********" },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual([saved.body.written, saved.body.reinitialized], [true, true]);
    assert.deepEqual(saved.body.values, {
      greeting: "good day",
      token: "********",
      times: 3,
      loud: true,
    });
    const text = await Deno.readTextFile(file);
    assert.match(text, /# what the plugin says\ngreeting = "good day" # keep it friendly\n/);
    assert.match(
      text,
      new RegExp(`token = "${SECRET}"\ntimes = 3\nloud = true\n`),
      "the masked secret is kept",
    );

    const after = await call(test, "GET", "/api/tuned/config");
    assert.equal(after.body.pid, before.body.pid, "the same process");
    assert.deepEqual(
      [after.body.greeting, after.body.times, after.body.loud, after.body.reconfigurations],
      ["good day", 3, true, 1],
    );
    assertNoSecret(test, shown, refused, dry, saved, after);
  } finally {
    await test.close();
  }
});

const GRANT_TOKEN = `[plugin.grants.tuned]\nenv = ["TUNED_TOKEN"]\n`;

Deno.test("env: values are resolved at initialize, never shown; a missing one fails the start by name", async () => {
  Deno.env.set("TUNED_TOKEN", ENV_SECRET);
  const test = await startTestHost(
    ["tuned"],
    GRANT_TOKEN + TABLE.replace(`"${SECRET}"`, '"env:TUNED_TOKEN"'),
  );
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const seen = await call(test, "GET", "/api/tuned/config");
    assert.equal(seen.body.tokenLength, ENV_SECRET.length);
    const shown = await call(test, "GET", "/api/plugins/tuned/config");
    assert.equal(shown.body.values.token, "env:TUNED_TOKEN");
    assertNoSecret(test, seen, shown);
  } finally {
    Deno.env.delete("TUNED_TOKEN");
    await test.close();
  }
  const missing = await startTestHost(
    ["tuned"],
    GRANT_TOKEN + TABLE.replace(`"${SECRET}"`, '"env:TUNED_TOKEN"'),
  );
  try {
    await waitForState(missing.host.registry, "tuned", "failed");
    const state = await call(missing, "GET", "/api/plugins/tuned");
    assert.match(
      state.body.lastError,
      /setting "token" names environment variable TUNED_TOKEN, which is not set/,
    );
  } finally {
    await missing.close();
  }
});

const FAKE_SECRET = "fake-host-secret-5150";

/** Everything the host said, logged or answered, as one text to search for a secret. */
function everything(test: TestHost, ...answers: unknown[]): string {
  return JSON.stringify([test.logs, test.host.supervisor.logs("tuned")?.lines(), answers]);
}

Deno.test("attack: a PUT of env:NAME for a variable the plugin is not granted is refused, nothing written, nothing leaked", async () => {
  Deno.env.set("FAKE_SECRET", FAKE_SECRET);
  const test = await startTestHost(["tuned"], TABLE, undefined, "", { file: true });
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const file = `${test.dir}/am.toml`;
    const original = await Deno.readTextFile(file);
    const answers = [];
    for (const field of ["greeting", "token"]) {
      for (const query of ["", "?dryRun=1"]) {
        const refused = await call(test, "PUT", `/api/plugins/tuned/config${query}`, {
          config: { [field]: "env:FAKE_SECRET" },
        });
        answers.push(refused);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        assert.match(refused.body.detail, /has 1 problem; nothing was written/);
        assert.deepEqual(refused.body.errors, {
          [field]: "names environment variable FAKE_SECRET, which is not granted to plugin " +
            '"tuned"; add env = ["FAKE_SECRET"] in [plugin.grants.tuned] to allow it',
        });
      }
    }
    assert.equal(await Deno.readTextFile(file), original, "nothing was written");
    const seen = await call(test, "GET", "/api/tuned/config");
    assert.deepEqual([seen.body.greeting, seen.body.reconfigurations], ["hello there", 0]);
    answers.push(seen, await call(test, "GET", "/api/plugins/tuned/config"));
    answers.push(await call(test, "GET", "/api/plugins/tuned"));
    assert.ok(!everything(test, answers).includes(FAKE_SECRET), "the host's secret leaked");
  } finally {
    Deno.env.delete("FAKE_SECRET");
    await test.close();
  }
});

Deno.test("a granted env: value is written by a PUT, reaches the plugin and shows only as a reference", async () => {
  Deno.env.set("TUNED_GREETING", "hello from the environment");
  Deno.env.set("TUNED_TOKEN", ENV_SECRET);
  const test = await startTestHost(
    ["tuned"],
    `[plugin.grants.tuned]\nenv = ["TUNED_GREETING", "TUNED_TOKEN"]\n${TABLE}`,
    undefined,
    "",
    { file: true },
  );
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const saved = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { greeting: "env:TUNED_GREETING", token: "env:TUNED_TOKEN" },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual([saved.body.written, saved.body.reinitialized], [true, true]);
    assert.deepEqual(saved.body.values, {
      greeting: "env:TUNED_GREETING",
      token: "env:TUNED_TOKEN",
    });
    assert.match(await Deno.readTextFile(`${test.dir}/am.toml`), /greeting = "env:TUNED_GREETING"/);
    const seen = await call(test, "GET", "/api/tuned/config");
    assert.deepEqual(
      [seen.body.greeting, seen.body.tokenLength, seen.body.reconfigurations],
      ["hello from the environment", ENV_SECRET.length, 1],
    );
    assertNoSecret(test, saved, await call(test, "GET", "/api/plugins/tuned/config"));
  } finally {
    Deno.env.delete("TUNED_GREETING");
    Deno.env.delete("TUNED_TOKEN");
    await test.close();
  }
});

Deno.test("a granted env: value that breaks the schema fails the start, naming the variable, never its text", async () => {
  const text = "Not-A-Greeting-7731!";
  Deno.env.set("TUNED_GREETING", text);
  const test = await startTestHost(
    ["tuned"],
    `[plugin.grants.tuned]\nenv = ["TUNED_GREETING"]\n${
      TABLE.replace('"hello there"', '"env:TUNED_GREETING"')
    }`,
  );
  try {
    await waitForState(test.host.registry, "tuned", "failed");
    const state = await call(test, "GET", "/api/plugins/tuned");
    assert.match(
      state.body.lastError,
      /its configuration is invalid: greeting: the value of environment variable TUNED_GREETING \(not shown\) does not match the pattern/,
    );
    const all = everything(test, state, await call(test, "GET", "/api/plugins/tuned/config"));
    assert.ok(!all.includes(text), "the variable's text leaked");
  } finally {
    Deno.env.delete("TUNED_GREETING");
    await test.close();
  }
});

Deno.test("a hand edit naming a variable the plugin is not granted fails its next Initialize by name", async () => {
  Deno.env.set("FAKE_SECRET", FAKE_SECRET);
  const test = await startTestHost(["tuned"], TABLE, undefined, "", { file: true });
  try {
    const { registry } = test.host;
    await waitForState(registry, "tuned", "running");
    const file = `${test.dir}/am.toml`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace('"hello there"', '"env:FAKE_SECRET"'),
    );
    const message = 'plugin "tuned" setting "greeting" names environment variable FAKE_SECRET, ' +
      'which is not granted to plugin "tuned"; add env = ["FAKE_SECRET"] in ' +
      "[plugin.grants.tuned] to allow it";
    const end = Date.now() + 5000;
    let refused;
    while (!(refused = test.logs.find((line) => String(line.msg).includes("did not take")))) {
      assert.ok(Date.now() < end, "the reconfiguration was not refused");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(refused.cause, message);
    assert.equal((await call(test, "GET", "/api/tuned/config")).body.greeting, "hello there");

    const failed = waitForState(registry, "tuned", "failed");
    await call(test, "POST", "/api/plugins/tuned/restart");
    await failed;
    const state = await call(test, "GET", "/api/plugins/tuned");
    assert.ok(state.body.lastError.includes(message), state.body.lastError);
    assert.equal(test.host.supervisor.get("tuned")!.pid, undefined, "no process runs");
    assert.ok(!everything(test, state).includes(FAKE_SECRET), "the host's secret leaked");
  } finally {
    Deno.env.delete("FAKE_SECRET");
    await test.close();
  }
});

Deno.test("attack: the host's own tables are not plugin configuration, whatever the plugin folders hold", async () => {
  const plugins = await Deno.makeTempDir({ prefix: "qntx-reserved-" });
  const test = await startTestHost([], "", [plugins], "", { file: true });
  try {
    const { registry } = test.host;
    // A folder named after the host's [server] table, with a manifest that claims that name.
    await Deno.mkdir(`${plugins}/server`);
    await Deno.writeTextFile(
      `${plugins}/server/plugin.json`,
      JSON.stringify({ name: "server", version: "1.0.0", entry: "main.ts" }),
    );
    await Deno.writeTextFile(`${plugins}/server/main.ts`, "");
    const file = `${test.dir}/am.toml`;
    await Deno.writeTextFile(
      file,
      (await Deno.readTextFile(file)).replace(
        "[server]\n",
        '[server]\nbind_address = "127.0.0.1"\n',
      ),
    );
    const original = await Deno.readTextFile(file);

    const enabled = await call(test, "POST", "/api/plugins/server/enable");
    assert.equal(enabled.status, 400, JSON.stringify(enabled.body));
    assert.match(
      enabled.body.detail,
      /^plugin "server" cannot be enabled: the name is reserved: \[server\] is the host's own table in am\.toml, not a plugin's; give the plugin another name$/,
    );
    assert.equal(registry.getState("server"), undefined);
    assert.equal(test.host.supervisor.get("server"), undefined);

    for (const name of ["server", "plugin", "database", "pulse", "auth"]) {
      const put = await call(test, "PUT", `/api/plugins/${name}/config`, {
        config: { bind_address: null, port: 1 },
      });
      assert.equal(put.status, 404, JSON.stringify(put.body));
      assert.match(
        put.body.detail,
        new RegExp(
          `^"${name}" is not a plugin's configuration: the name is reserved: \\[${name}\\]`,
        ),
      );
      assert.equal((await call(test, "GET", `/api/plugins/${name}/config`)).status, 404);
    }
    assert.equal(await Deno.readTextFile(file), original, "the host's tables are untouched");
  } finally {
    await test.close();
    await Deno.remove(plugins, { recursive: true });
  }
});

Deno.test("hand edits of am.toml enable plugins and reconfigure them; an invalid edit is refused", async () => {
  const test = await startTestHost(["tuned"], TABLE, undefined, "", { file: true });
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const pid = (await call(test, "GET", "/api/tuned/config")).body.pid;
    const file = `${test.dir}/am.toml`;
    const text = await Deno.readTextFile(file);
    await Deno.writeTextFile(file, "[server]\nport = 'eighty'\n");
    const end = Date.now() + 5000;
    while (!test.logs.some((line) => String(line.msg).includes("is not valid"))) {
      assert.ok(Date.now() < end, "the invalid edit was not reported");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const problem = test.logs.find((line) => String(line.msg).includes("is not valid"))!;
    assert.match(JSON.stringify(problem.problems), /server\.port: expected an integer/);
    assert.equal(test.host.registry.getState("tuned"), "running", "the running config stays");

    await Deno.writeTextFile(
      file,
      text.replace('enabled = ["tuned"]', 'enabled = ["tuned", "echo"]').replace(
        "hello there",
        "welcome",
      ),
    );
    await waitForState(test.host.registry, "echo", "running");
    const until = Date.now() + 5000;
    let seen;
    do {
      seen = (await call(test, "GET", "/api/tuned/config")).body;
      if (seen.greeting === "welcome") break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < until);
    assert.deepEqual([seen.greeting, seen.pid], ["welcome", pid]);
  } finally {
    await test.close();
  }
});

Deno.test("a plugin whose configuration breaks its schema fails at start, naming each field", async () => {
  const test = await startTestHost(
    ["tuned"],
    `[tuned]\ngreeting = "hi!"\ntimes = 0\ncolour = "red"\n`,
  );
  try {
    await waitForState(test.host.registry, "tuned", "failed");
    const state = await call(test, "GET", "/api/plugins/tuned");
    assert.match(
      state.body.lastError,
      /its configuration is invalid: greeting: "hi!" does not match the pattern \[A-Za-z \]\+; times: the value 0 is below the minimum 1/,
    );
    assert.ok(
      test.logs.some((line) => String(line.msg).includes('setting "colour": unknown setting')),
      "an unknown key is a warning",
    );
  } finally {
    await test.close();
  }
});

Deno.test("a hand edit that breaks a plugin's schema is refused; the plugin keeps its values", async () => {
  const test = await startTestHost(["tuned"], TABLE, undefined, "", { file: true });
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const file = `${test.dir}/am.toml`;
    await Deno.writeTextFile(file, (await Deno.readTextFile(file)).replace("hello there", "hi!"));
    const end = Date.now() + 5000;
    let refused;
    while (!(refused = test.logs.find((line) => String(line.msg).includes("is not valid")))) {
      assert.ok(Date.now() < end, "the edit was not refused");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(JSON.stringify(refused.problems), /tuned\.greeting: \\"hi!\\" does not match/);
    const seen = await call(test, "GET", "/api/tuned/config");
    assert.equal(seen.body.greeting, "hello there");
    assert.equal(test.host.config.pluginValues("tuned").greeting, "hello there");
  } finally {
    await test.close();
  }
});

Deno.test("QNTX's ~/.qntx/plugins/<name>.toml: its [config] under am.toml's, and enabled = false keeps a plugin off", async () => {
  const home = await Deno.makeTempDir({ prefix: "qntx-home-" });
  const realHome = Deno.env.get("HOME");
  const realDenoDir = Deno.env.get("DENO_DIR");
  // Plugins find Deno's cache by HOME unless told: keep it where it is.
  Deno.env.set("DENO_DIR", realDenoDir ?? `${realHome}/.cache/deno`);
  Deno.env.set("HOME", home);
  await Deno.mkdir(`${home}/.qntx/plugins`, { recursive: true });
  await Deno.writeTextFile(`${home}/.qntx/plugins/echo.toml`, `[config]\ngreeting = "hallo"\n`);
  await Deno.writeTextFile(
    `${home}/.qntx/plugins/worker.toml`,
    `name = "worker"\nenabled = false\n`,
  );
  let test: TestHost | undefined;
  try {
    test = await startTestHost(["echo", "worker"]);
    await waitForState(test.host.registry, "echo", "running");
    const greeting = await fetch(new URL("/api/echo/greeting", test.host.url));
    assert.equal(await greeting.text(), "hallo");
    await waitForState(test.host.registry, "worker", "stopped");
    assert.ok(
      test.logs.some((line) =>
        /plugin "worker" stays off: .*worker\.toml says enabled = false/.test(String(line.msg))
      ),
    );
    await test.close();
    // am.toml's own table wins over the plugin's file.
    test = await startTestHost(["echo"], `[echo]\ngreeting = "bonjour"\n`);
    await waitForState(test.host.registry, "echo", "running");
    const own = await fetch(new URL("/api/echo/greeting", test.host.url));
    assert.equal(await own.text(), "bonjour");
  } finally {
    await test?.close();
    if (realHome === undefined) Deno.env.delete("HOME");
    else Deno.env.set("HOME", realHome);
    if (realDenoDir === undefined) Deno.env.delete("DENO_DIR");
    else Deno.env.set("DENO_DIR", realDenoDir);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a plugin listed in reconfigure_restart takes new settings by a restart", async () => {
  const test = await startTestHost(
    ["tuned"],
    `reconfigure_restart = ["tuned"]\n${TABLE}`,
    undefined,
    "",
    { file: true },
  );
  try {
    await waitForState(test.host.registry, "tuned", "running");
    const before = test.host.supervisor.get("tuned")!.pid;
    const saved = await call(test, "PUT", "/api/plugins/tuned/config", {
      config: { greeting: "good evening" },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.deepEqual([saved.body.written, saved.body.reinitialized], [true, true]);
    assert.equal(test.host.registry.getState("tuned"), "running");
    assert.notEqual(test.host.supervisor.get("tuned")!.pid, before, "a new process took them");
  } finally {
    await test.close();
  }
});

Deno.test("a paused plugin restarted for new settings stays paused", async () => {
  const test = await startTestHost(
    ["echo"],
    `reconfigure_restart = ["echo"]\n`,
    undefined,
    "",
    { file: true },
  );
  try {
    const { registry, supervisor } = test.host;
    await waitForState(registry, "echo", "running");
    await supervisor.pause("echo");
    const before = supervisor.get("echo")!.pid;
    const saved = await call(test, "PUT", "/api/plugins/echo/config", {
      config: { greeting: "good night" },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.reinitialized, true);
    assert.notEqual(supervisor.get("echo")!.pid, before, "a new process took them");
    assert.equal(registry.getState("echo"), "paused", "a new setting is not a resume");
  } finally {
    await test.close();
  }
});
