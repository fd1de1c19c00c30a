/**
 * The biotech domain plugin end to end: a real host runs plugins/biotech in its sandbox; the
 * routes, a Pulse job that writes attestations, and the WebSocket are used through the host.
 */
import assert from "node:assert/strict";
import { REPO } from "./_host_process.ts";
import { startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const CONFIG = `[biotech]
min_orf_codons = 5
kmer_k = 2
max_upload_bytes = 4096
inline_max_bases = 100
# These tests run their own analyses and count what they write.
analyze_samples_at_start = false
`;

async function withBiotech(work: (test: TestHost) => Promise<void>) {
  const test = await startTestHost(["biotech"], CONFIG, [`${REPO}plugins`]);
  try {
    await waitForState(test.host.registry, "biotech", "running");
    await work(test);
  } finally {
    await test.close();
  }
}

async function call(test: TestHost, method: string, path: string, body?: BodyInit) {
  const response = await fetch(new URL(`/api/biotech${path}`, test.host.url), { method, body });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: await response.json(),
  };
}

Deno.test("biotech answers known sequences through the host's routes", async () => {
  await withBiotech(async (test) => {
    const listed = await call(test, "GET", "/sequences");
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.files.map((file: { name: string }) => file.name),
      ["known.fasta", "minus_strand.fasta", "reads.fastq"],
    );

    const translated = await call(test, "GET", "/sequences/orf_demo/translate");
    assert.equal(translated.body.records[0].frames["+1"], "MAIVMGR*");
    const reversed = await call(test, "GET", "/sequences/gc_half/revcomp");
    assert.equal(reversed.body.records[0].reverseComplement, "GCAT");
    const gc = await call(test, "GET", "/sequences/known.fasta/gc");
    assert.deepEqual(
      gc.body.records.map((r: { id: string; gcContent: number }) => [r.id, r.gcContent]),
      [["orf_demo", 0.5417], ["gc_half", 0.5], ["all_gc", 1], ["at_rich", 0]],
    );
    const orfs = await call(test, "GET", "/sequences/minus_orf/orfs");
    assert.deepEqual(orfs.body.records[0].orfs, [
      { frame: "-3", strand: "-", start: 3, end: 20, codons: 5, protein: "MKPGF" },
    ]);
    const kmers = await call(test, "GET", "/sequences/at_rich/kmers?k=3");
    assert.deepEqual(kmers.body.records[0].kmers.slice(0, 2), [
      { kmer: "AAA", count: 2 },
      { kmer: "TTT", count: 2 },
    ]);

    const analyzed = await call(test, "POST", "/analyze", "@r1\nACGT\n+\nIIII\n");
    assert.equal(analyzed.status, 200);
    assert.equal(analyzed.body.records[0].meanQuality, 40);
    assert.equal(analyzed.body.records[0].k, 2);
    const aligned = await call(test, "POST", "/align", JSON.stringify({ a: "ACGT", b: "AGT" }));
    assert.deepEqual(
      [aligned.body.score, aligned.body.alignedA, aligned.body.alignedB],
      [1, "ACGT", "A-GT"],
    );
  });
});

Deno.test("biotech refuses bad input with a problem naming the cause", async () => {
  await withBiotech(async (test) => {
    const table: [string, string, BodyInit | undefined, number, RegExp][] = [
      ["POST", "/analyze", ">a\nACXT\n", 400, /line 2: sequence "a": "X" at column 3/],
      ["POST", "/analyze", "hello", 400, /expected a FASTA header/],
      ["POST", "/analyze", `>big\n${"A".repeat(5000)}\n`, 413, /over max_upload_bytes \(4096/],
      [
        "GET",
        "/sequences/nothing/gc",
        undefined,
        404,
        /no sample file or sequence named "nothing"/,
      ],
      ["GET", "/sequences/orf_demo/kmers?k=40", undefined, 400, /k must be a whole number/],
      ["GET", "/sequences/orf_demo/kmers?k=x", undefined, 400, /k must be an integer, got "x"/],
      ["POST", "/align", "{}", 400, /"a" must be a sequence string/],
      ["GET", "/nowhere", undefined, 404, /biotech has no route for \/nowhere/],
    ];
    for (const [method, path, body, status, detail] of table) {
      const answer = await call(test, method, path, body);
      assert.equal(answer.status, status, `${method} ${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.type, "application/problem+json");
      assert.match(answer.body.detail, detail);
    }
  });
});

/** Polls a job through the host's API until it is finished. */
async function finished(test: TestHost, id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(new URL(`/api/pulse/jobs/${id}`, test.host.url));
    const { job } = await response.json();
    if (["completed", "failed", "cancelled"].includes(job.status)) return job;
    assert.ok(Date.now() < deadline, `job ${id} did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

Deno.test("biotech/analyze runs on the host's queue and writes attestations", async () => {
  await withBiotech(async (test) => {
    const id = await test.host.services.queue().enqueue({
      handlerName: "biotech/analyze",
      payload: new TextEncoder().encode(JSON.stringify({ file: "known.fasta" })),
    });
    const job = await finished(test, id);
    assert.equal(job.status, "completed", JSON.stringify(job));
    assert.deepEqual(job.progress, { current: 42, total: 42 });
    assert.equal((job.result as { sequences: number }).sequences, 4);

    const response = await fetch(
      new URL("/api/attestations?source=biotech&predicate=gc_content&limit=50", test.host.url),
    );
    const { attestations } = await response.json();
    const facts = attestations.map((a: { subjects: string[]; contexts: string[] }) =>
      `${a.subjects[0]} has gc_content ${a.contexts[0]}`
    ).sort();
    assert.deepEqual(facts, [
      "all_gc has gc_content 1",
      "at_rich has gc_content 0",
      "gc_half has gc_content 0.5",
      "orf_demo has gc_content 0.5417",
    ]);
    assert.equal(attestations[0].attributes.file, "known.fasta");

    // A body over inline_max_bases becomes the same job, answered 202 with its id.
    const long = await call(test, "POST", "/analyze", `>long\n${"ACGT".repeat(40)}\n`);
    assert.equal(long.status, 202, JSON.stringify(long.body));
    const queued = await finished(test, long.body.job);
    assert.equal(queued.status, "completed", JSON.stringify(queued));
    assert.deepEqual(queued.progress, { current: 160, total: 160 });
  });
});

Deno.test("biotech's WebSocket streams one record per sequence, then done", async () => {
  await withBiotech(async (test) => {
    const socket = new WebSocket(new URL("/biotech-ws/", test.host.url.href.replace("http", "ws")));
    const messages: Record<string, unknown>[] = [];
    const closed = new Promise((resolve) => socket.onclose = resolve);
    try {
      const done = new Promise<void>((resolve, reject) => {
        socket.onerror = () => reject(new Error("the WebSocket failed"));
        socket.onmessage = (event) => {
          const message = JSON.parse(event.data);
          messages.push(message);
          if (message.type === "done") resolve();
        };
      });
      await new Promise((resolve) => socket.onopen = resolve);
      socket.send("not dna!");
      socket.send(">a\nATGC\n>b\nGGGCCC\n");
      await done;
    } finally {
      socket.close();
      await closed;
    }
    assert.equal(messages[0]?.type, "error");
    assert.match(messages[0]?.error as string, /input: "O" at position 2 is not a nucleotide/);
    const records = messages.filter((m) => m.type === "record") as {
      stats: { id: string; gcContent: number };
      progress: { current: number; total: number };
    }[];
    assert.deepEqual(records.map((r) => [r.stats.id, r.stats.gcContent]), [["a", 0.5], ["b", 1]]);
    assert.deepEqual(records.at(-1)?.progress, { current: 10, total: 10 });
  });
});

Deno.test("biotech reports its samples folder in health, and takes no work while paused", async () => {
  await withBiotech(async (test) => {
    const plugin = async () =>
      await (await fetch(new URL("/api/plugins/biotech", test.host.url))).json();
    const deadline = Date.now() + 10_000;
    let health = (await plugin()).health;
    while (!health?.message?.includes("sample file")) {
      assert.ok(Date.now() < deadline, `no health answer: ${JSON.stringify(health)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      health = (await plugin()).health;
    }
    assert.equal(health.healthy, true);
    assert.match(health.message, /^3 sample file\(s\) in .*samples/);

    const paused = await fetch(new URL("/api/plugins/biotech/pause", test.host.url), {
      method: "POST",
    });
    await paused.body?.cancel();
    await waitForState(test.host.registry, "biotech", "paused");
    const refused = await fetch(new URL("/api/biotech/sequences", test.host.url));
    await refused.body?.cancel();
    assert.equal(refused.status, 503);
    const resumed = await fetch(new URL("/api/plugins/biotech/resume", test.host.url), {
      method: "POST",
    });
    await resumed.body?.cancel();
    await waitForState(test.host.registry, "biotech", "running");
    assert.equal((await call(test, "GET", "/sequences")).status, 200);
  });
});

Deno.test("biotech's first start analyzes its samples once; a start with facts in the store does not", async () => {
  const test = await startTestHost(["biotech"], "", [`${REPO}plugins`]);
  try {
    await waitForState(test.host.registry, "biotech", "running");
    const facts = async () => {
      const url = new URL(
        "/api/attestations?source=biotech&predicate=gc_content&limit=100",
        test.host.url,
      );
      return (await (await fetch(url)).json()).attestations.length as number;
    };
    for (let i = 0; i < 100 && (await facts()) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const first = await facts();
    assert.ok(first >= 8, `the samples' facts: ${first}`);
    await test.host.supervisor.restart("biotech");
    // Initialize queues the analysis before it answers: by the time the restart is done, a
    // second one would be in the queue. There is still only the first start's.
    const { jobs } = await (await fetch(new URL("/api/pulse/jobs?plugin=biotech", test.host.url)))
      .json();
    assert.equal(jobs.length, 1, JSON.stringify(jobs));
    assert.equal(await facts(), first, "a second start analyzes nothing again");
  } finally {
    await test.close();
  }
});
