/**
 * `deno task bench`: runs every benchmark of the host on this machine, in one run, and prints
 * a table (and `--json` for machines). Figures in the README come from here.
 */
import { supervisionFigures } from "./supervision.ts";

const figures = [
  { group: "supervision", figures: await supervisionFigures() },
];
if (Deno.args.includes("--json")) {
  console.log(
    JSON.stringify({ deno: Deno.version.deno, at: new Date().toISOString(), figures }, null, 2),
  );
} else {
  console.log(
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
      new Date().toISOString()
    }\n`,
  );
  console.log("| figure | measured | target |\n| --- | --- | --- |");
  for (const { figures: list } of figures) {
    for (const figure of list) {
      console.log(`| ${figure.name} | ${figure.value} | ${figure.target ?? ""} |`);
    }
  }
}
