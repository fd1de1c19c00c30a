/**
 * `deno task bench`: runs every benchmark of the host on this machine, in one run, and prints
 * a table (`--json` for machines). The figures in the README come from here.
 */
import { atsFigures } from "./ats.ts";
import { httpFigures } from "./http.ts";
import { supervisionFigures } from "./supervision.ts";
import { websocketFigures } from "./websocket.ts";

const groups = [
  { group: "supervision", figures: await supervisionFigures() },
  { group: "http", figures: await httpFigures() },
  { group: "websocket", figures: await websocketFigures() },
  { group: "attestations", figures: await atsFigures() },
];
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
