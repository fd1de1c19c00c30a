/**
 * `deno task bench`: runs every benchmark of the host on this machine, in one run, and prints
 * a table (`--json` for machines, `--only=jobs,http` for some groups). The figures in the
 * README come from here. `--check` exits 1 when a figure misses its target (ratios measured
 * side by side in the same run, so a busy machine moves both sides).
 */
import { atsFigures } from "./ats.ts";
import { httpFigures } from "./http.ts";
import { jobFigures } from "./jobs.ts";
import { postgresFigures } from "./postgres.ts";
import { clusterFigures } from "./cluster.ts";
import { supervisionFigures } from "./supervision.ts";
import { websocketFigures } from "./websocket.ts";

const ALL = {
  supervision: supervisionFigures,
  http: httpFigures,
  websocket: websocketFigures,
  attestations: atsFigures,
  jobs: jobFigures,
  postgres: postgresFigures,
  cluster: clusterFigures,
};
// `--only jobs,http` runs some groups; the README's figures come from a run of them all.
const only = Deno.args.find((arg) => arg.startsWith("--only="))?.slice("--only=".length).split(",");
const unknown = only?.filter((name) => !(name in ALL)) ?? [];
if (unknown.length > 0) {
  console.error(
    `unknown group ${unknown.join(", ")}; the groups are ${Object.keys(ALL).join(", ")}`,
  );
  Deno.exit(2);
}
const groups = [];
for (const [group, measure] of Object.entries(ALL)) {
  if (!only || only.includes(group)) groups.push({ group, figures: await measure() });
}
if (Deno.args.includes("--json")) {
  console.log(
    JSON.stringify({ deno: Deno.version.deno, at: new Date().toISOString(), groups }, null, 2),
  );
} else {
  console.log(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
      new Date().toISOString()
    }\n`,
  );
  console.log("| figure | measured | target |\n| --- | --- | --- |");
  for (const { figures } of groups) {
    for (const figure of figures) {
      console.log(`| ${figure.name} | ${figure.value} | ${figure.target ?? ""} |`);
    }
  }
}

if (Deno.args.includes("--check")) {
  const missed = groups.flatMap(({ figures }) => figures).filter(({ check }) =>
    check !== undefined &&
    ((check.atLeast !== undefined && !(check.measured >= check.atLeast)) ||
      (check.atMost !== undefined && !(check.measured <= check.atMost)))
  );
  for (const figure of missed) {
    console.error(`missed: ${figure.name}: ${figure.value} (target ${figure.target})`);
  }
  if (missed.length > 0) Deno.exit(1);
  console.error("every checked figure met its target");
}
