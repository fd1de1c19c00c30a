/**
 * `deno task conformance` finds what is wrong with a plugin, naming the step: each fixture here
 * breaks the protocol one way. (The examples that pass are in examples_test.ts.)
 */
import assert from "node:assert/strict";
import { conformance } from "./_conformance.ts";
import { FIXTURES } from "./_in_process_host.ts";
import type { Finding } from "../src/conformance/mod.ts";

function failures(findings: Finding[]): string[] {
  return findings.filter((finding) => finding.outcome === "fail").map((finding) =>
    `${finding.step}: ${finding.message}`
  );
}

Deno.test("conformance: a plugin that answers with another name fails at Metadata alone", async () => {
  const { code, report } = await conformance(`${FIXTURES}/wrong-name`);
  assert.equal(code, 1);
  const failed = failures(report.findings);
  assert.equal(failed.length, 1, failed.join("\n"));
  assert.match(failed[0]!, /^metadata: Metadata says the name is "somebody-else"/);
});

Deno.test("conformance: a plugin that exits before it serves fails at launch, with its stderr", async () => {
  const { code, report } = await conformance(`${FIXTURES}/crash-at-start`);
  assert.equal(code, 1);
  assert.match(
    failures(report.findings)[0]!,
    /^launch: .*exited before it was ready \(exit code 3\)/,
  );
  assert.ok(report.stderr.some((line) => line.includes("cannot open the genome index")));
});

Deno.test("conformance: a plugin whose health never answers, or that ignores Shutdown, fails there", async () => {
  const hung = await conformance(`${FIXTURES}/hang-health`);
  assert.equal(hung.code, 1);
  assert.deepEqual(
    failures(hung.report.findings).map((line) => line.split(":")[0]),
    ["health"],
  );
  const stubborn = await conformance(`${FIXTURES}/stubborn`);
  assert.equal(stubborn.code, 1);
  assert.match(failures(stubborn.report.findings).join("\n"), /^shutdown: .*took SIGKILL/m);
});

Deno.test("conformance: a path with no plugin says what was looked for", async () => {
  const { code, report } = await conformance(`${FIXTURES}/no-such-plugin`);
  assert.equal(code, 1);
  assert.match(failures(report.findings)[0]!, /^find: .*no-such-plugin does not exist/);
});
