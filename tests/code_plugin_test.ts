/**
 * The code plugin through the host: its sample repository (a git bundle) is ingested by a job,
 * its history comes back from the attestation store, and the WebSocket streams progress. git
 * runs outside the sandbox, so a repository outside the plugin's read grants is refused.
 */
import assert from "node:assert/strict";
import { REPO } from "./_host_process.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const CONFIG = `[code]
repository = "samples/notebook.bundle"
ingest_on_start = false

[plugin.grants.code]
trusted = true
`;

async function get(test: TestHost, path: string) {
  const response = await fetch(new URL(path, test.host.url));
  return { status: response.status, body: await response.json() };
}

async function put(test: TestHost, config: Record<string, unknown>) {
  const response = await fetch(new URL("/api/plugins/code/config", test.host.url), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ config }),
  });
  return { status: response.status, body: await response.json() };
}

async function finished(test: TestHost, id: string) {
  const end = Date.now() + 20_000;
  for (;;) {
    const { body } = await get(test, `/api/pulse/jobs/${id}`);
    if (["completed", "failed", "cancelled"].includes(body.job.status)) return body.job;
    assert.ok(Date.now() < end, `job ${id} is still ${body.job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("the code plugin ingests its sample repository and answers from the store", async () => {
  const test = await startTestHost(["code"], CONFIG, [`${REPO}plugins`]);
  try {
    await waitForState(test.host.registry, "code", "running");
    const socket = new WebSocket(
      new URL("/code-ws/ingest", test.host.url.href.replace("http", "ws")),
    );
    const messages: { type: string; phase?: string }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        messages.push(message);
        if (message.type === "status") socket.send(JSON.stringify({ ingest: true }));
        if (message.type === "done") resolve();
        if (message.type === "error") reject(new Error(message.message));
      };
    });
    await done;
    const job = messages.find((m) => m.type === "queued") as unknown as { job: string };
    const ran = await finished(test, job.job);
    assert.equal(ran.status, "completed", ran.error);
    assert.deepEqual([ran.result.commits, ran.result.attestations], [5, 11]);
    assert.ok(messages.some((m) => m.type === "progress" && m.phase === "attest"));
    socket.close();
    await new Promise((resolve) => socket.onclose = resolve);

    const history = await get(test, "/api/code/files/history?path=src/gc.ts");
    assert.deepEqual(
      history.body.commits.map((c: { author: string; subject: string }) => [c.author, c.subject]),
      [
        ["Katherine Johnson <katherine@example.org>", "GC content of an empty sequence is 0"],
        ["Grace Hopper <grace@example.org>", "Add GC content"],
      ],
    );
    const everyone = await get(test, "/api/code/authors");
    assert.deepEqual(everyone.body.authors, {
      "Grace Hopper <grace@example.org>": 2,
      "Ada Lovelace <ada@example.org>": 2,
      "Katherine Johnson <katherine@example.org>": 1,
    });
    const ada = await get(
      test,
      `/api/code/work?author=${encodeURIComponent("Ada Lovelace <ada@example.org>")}`,
    );
    assert.deepEqual(ada.body.files, { "README.md": 2, "src/revcomp.ts": 1 });
    const missing = await get(test, "/api/code/files/history");
    assert.equal(missing.status, 400);

    // A second ingest finds nothing new; the schedule is declared; health says what it did.
    const again = await fetch(new URL("/api/code/ingest", test.host.url), { method: "POST" });
    assert.equal(again.status, 202);
    const second = await finished(test, (await again.json()).job);
    assert.deepEqual([second.status, second.result.commits], ["completed", 0]);
    const schedules = await get(test, "/api/pulse/schedules?plugin=code");
    assert.equal(schedules.body.schedules[0].handlerName, "code/ingest");
    const attested = await get(test, "/api/attestations?source=code&predicate=authored_by");
    assert.equal(attested.body.attestations.length, 5);
  } finally {
    await test.close();
  }
});

Deno.test("without a trusted grant the code plugin does not start, and says why", async () => {
  const test = await startTestHost(["code"], `[code]\nrepository = "samples/notebook.bundle"\n`, [
    `${REPO}plugins`,
  ]);
  try {
    await waitForState(test.host.registry, "code", "failed");
    const { body } = await get(test, "/api/plugins/code");
    assert.match(
      body.lastError,
      /asks for run \(git\).*set trusted = true in \[plugin\.grants\.code\]/,
    );
  } finally {
    await test.close();
  }
});

/** A two-commit repository in a new folder, and beside it a folder with a link to it. */
async function outsideRepository(): Promise<{ root: string; repo: string; granted: string }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "code-outside-" }));
  const repo = `${root}/repo`;
  const granted = `${root}/granted`;
  await Deno.mkdir(repo);
  await Deno.mkdir(granted);
  await Deno.symlink(repo, `${granted}/link`);
  const git = async (...args: string[]) => {
    const output = await new Deno.Command("git", {
      args: ["-C", repo, "-c", "user.name=Ada", "-c", "user.email=ada@example.org", ...args],
      env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
  };
  await git("init", "--quiet");
  for (const name of ["one", "two"]) {
    await Deno.writeTextFile(`${repo}/${name}.txt`, name);
    await git("add", `${name}.txt`);
    await git("commit", "--quiet", "-m", `Add ${name}`);
  }
  return { root, repo, granted };
}

/** The refusal of `subject` ("… is" or "… leads to …, which is"), naming what to add. */
function outsideError(subject: string, add = "it"): RegExp {
  const quoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    quoted(
      `${subject} outside what plugin "code" may read; add ${add} to read in ` +
        "[plugin.grants.code] of am.toml",
    ),
  );
}

Deno.test("the code plugin refuses a repository outside its read grants, by path or link", async () => {
  const { root, repo, granted } = await outsideRepository();
  const test = await startTestHost(
    ["code"],
    `[code]
repository = "${granted}/link"

[plugin.grants.code]
trusted = true
read = ["${granted}"]
`,
    [`${REPO}plugins`],
    "",
    { file: true },
  );
  try {
    // At start there is no other repository to keep: it runs, and says why it cannot ingest.
    await waitForState(test.host.registry, "code", "running");
    const linked = outsideError(
      `repository "${granted}/link" leads to "${repo}", which is`,
      `"${repo}"`,
    );
    const status = await get(test, "/api/code/status");
    assert.match(status.body.refused, linked);
    const { body: { jobs } } = await get(test, "/api/pulse/jobs?plugin=code");
    assert.equal(jobs.length, 1, "ingest_on_start queued one ingest");
    const job = await finished(test, jobs[0].id);
    assert.equal(job.status, "failed");
    assert.match(job.error, linked);
    const now = await fetch(new URL("/api/code/ingest", test.host.url), { method: "POST" });
    assert.equal(now.status, 409);
    assert.match((await now.json()).detail, linked);

    // A change to a repository outside is the PUT's error; the plugin keeps what it had.
    const outside = await put(test, { repository: repo });
    assert.equal(outside.status, 502);
    assert.match(outside.body.detail, outsideError(`repository "${repo}" is`));
    const through = await put(test, { repository: `${granted}/../repo` });
    assert.match(through.body.detail, outsideError(`repository "${repo}" is`));
    assert.equal((await get(test, "/api/code/status")).body.repository, `${granted}/link`);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the code plugin ingests a repository outside its folder once read grants it", async () => {
  const { root, repo } = await outsideRepository();
  const test = await startTestHost(
    ["code"],
    `${CONFIG}read = ["${repo}"]\n`,
    [`${REPO}plugins`],
    "",
    { file: true },
  );
  try {
    await waitForState(test.host.registry, "code", "running");
    const changed = await put(test, { repository: repo });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.reinitialized, true);
    const queued = await fetch(new URL("/api/code/ingest", test.host.url), { method: "POST" });
    assert.equal(queued.status, 202);
    const job = await finished(test, (await queued.json()).job);
    assert.equal(job.status, "completed", job.error);
    assert.deepEqual([job.result.repository, job.result.commits], [repo, 2]);
    const everyone = await get(test, "/api/code/authors");
    assert.equal(everyone.body.authors["Ada <ada@example.org>"], 2);
  } finally {
    await test.close();
    await Deno.remove(root, { recursive: true });
  }
});
