/**
 * The short chaos run, part of every CI run: two minutes of load and faults against the real
 * host, then a SIGKILL of the host and a start on the same files. Any broken invariant fails.
 */
import assert from "node:assert/strict";
import { runChaos } from "../chaos/run.ts";

Deno.test({
  name: "two minutes of chaos break no invariant",
  // The run's own children and sockets are all closed by runChaos; fetch keeps a pool.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const lines: string[] = [];
    const report = await runChaos({ minutes: 2, log: (line) => lines.push(line) });
    console.log(lines.join("\n"));
    console.log(
      JSON.stringify({
        ...report,
        attestations: { ...report.attestations, lost: report.attestations.lost.length },
        jobs: { ...report.jobs, lost: report.jobs.lost.length },
      }),
    );
    assert.deepEqual(report.broken, []);
    assert.equal(report.load.hung, 0);
    assert.ok(report.attestations.acknowledged > 0 && report.jobs.enqueued > 0, "the load ran");
    assert.equal(
      report.faults.length >= 9,
      true,
      `only ${report.faults.length} faults were injected`,
    );
  },
});
