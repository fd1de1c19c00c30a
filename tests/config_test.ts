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

Deno.test("env: values are resolved at initialize, never shown; a missing one fails the start by name", async () => {
  Deno.env.set("TUNED_TOKEN", ENV_SECRET);
  const test = await startTestHost(["tuned"], TABLE.replace(`"${SECRET}"`, '"env:TUNED_TOKEN"'));
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
  const missing = await startTestHost(["tuned"], TABLE.replace(`"${SECRET}"`, '"env:TUNED_TOKEN"'));
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
