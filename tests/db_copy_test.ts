/**
 * `deno task db:copy-to-postgres`: a host's SQLite store moves to PostgreSQL whole (ids, sources
 * and times kept; a job left running queued again; each job's logs once), and a second run adds
 * nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { AttestationStore, checkCommand } from "../src/ats/mod.ts";
import { JobStore, ScheduleStore } from "../src/jobs/mod.ts";
import { openDatabase, openPostgres } from "../src/store/mod.ts";
import { REPO } from "./_host_process.ts";
import { skipPostgres, startCluster } from "./_postgres.ts";

Deno.test({
  name: "db:copy-to-postgres moves a SQLite store whole, and a second run adds nothing",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const dir = await Deno.makeTempDir({ prefix: "qntx-copy-" });
    const file = join(dir, "qntx.db");
    const db = openDatabase({ path: file });
    const attestations = new AttestationStore(db);
    const command = checkCommand({
      subjects: ["Gene-A"],
      predicates: ["seen"],
      contexts: ["lab"],
      actors: ["amy"],
      timestamp: 42,
      attributes: { p: 1 },
    });
    if (!command.ok) throw new Error(command.problems.join());
    const made = attestations.create(command.command, { plugin: "bio", version: "1.0.0" });
    attestations.createMany(Array(99).fill(command.command), { plugin: "bio", version: "1.0.0" });
    const jobs = new JobStore(db);
    const done = jobs.enqueue({ handlerName: "bio/gc" }, "api");
    jobs.take(["bio"]);
    jobs.finish(done.id, { error: "" }, [
      {
        timestamp: "2026-12-01T00:00:00Z",
        level: "info",
        message: "counted",
        stage: "",
        metadata: "",
      },
    ]);
    const running = jobs.enqueue({ handlerName: "bio/gc" }, "api");
    jobs.take(["bio"]);
    new ScheduleStore(db, jobs).create("bio", { handlerName: "gc", intervalSeconds: 60 });
    db.close();

    const run = async () => {
      const result = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          `${REPO}scripts/db_copy_to_postgres.ts`,
          "--from",
          file,
          "--to",
          cluster.url,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      return { code: result.code, out: text.decode(result.stdout) + text.decode(result.stderr) };
    };
    const sql = openPostgres(cluster.url);
    try {
      const first = await run();
      assert.equal(first.code, 0, first.out);
      assert.match(first.out, /100 attestations, 2 jobs, 1 job logs, 1 schedules/);
      const [copied] = await sql`SELECT * FROM attestations WHERE id = ${made.id}`;
      assert.deepEqual(
        [copied?.source, copied?.subjects, copied?.folded_subjects, Number(copied?.timestamp)],
        ["bio", ["Gene-A"], ["gene-a"], 42],
      );
      const [job] = await sql`SELECT status FROM jobs WHERE id = ${running.id}`;
      assert.equal(job?.status, "queued", "a job left running runs again on some host");
      const second = await run();
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /0 attestations, 0 jobs, 0 job logs, 0 schedules/);
      const [{ count }] = await sql`SELECT count(*)::int AS count FROM job_logs` as unknown as [
        { count: number },
      ];
      assert.equal(count, 1);
    } finally {
      await sql.end();
      await cluster.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
