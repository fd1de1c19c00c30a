/**
 * `deno task chaos [--minutes N] [--json file]`: the host under load while faults are
 * injected, then killed and started again; prints a report and exits 1 when an invariant
 * broke (a request hung, an acknowledged attestation or job was lost, a plugin outlived the
 * host, a fault was not recovered from).
 */
import { runChaos } from "./run.ts";

function flag(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1] : undefined;
}

const minutes = Number(flag("--minutes") ?? "2");
if (!(minutes > 0)) {
  console.error(`--minutes must be a positive number, got ${flag("--minutes")}`);
  Deno.exit(2);
}
const report = await runChaos({ minutes, log: (line) => console.error(line) });
const json = flag("--json");
if (json) await Deno.writeTextFile(json, JSON.stringify(report, null, 2));

const rows: [string, string][] = [
  ["duration", `${minutes} min`],
  ["requests sent", String(report.load.sent)],
  [
    "answered, by status",
    Object.entries(report.load.byStatus).map(([s, n]) => `${s}: ${n}`).join(", "),
  ],
  ["requests that hung", String(report.load.hung)],
  ["longest wait", `${report.load.maxWaitMs} ms`],
  [
    "WebSockets opened / echoes / closed by host",
    `${report.load.websocket.opened} / ${report.load.websocket.echoes} / ${report.load.websocket.closedByHost}`,
  ],
  ["host memory, start → end", `${report.host.rssStartMiB} → ${report.host.rssEndMiB} MiB`],
  ["host file descriptors, start → end", `${report.host.fdsStart} → ${report.host.fdsEnd}`],
  [
    "attestations acknowledged / found after restart",
    `${report.attestations.acknowledged} / ${report.attestations.foundAfterRestart} (lost ${report.attestations.lost.length})`,
  ],
  [
    "jobs enqueued / finished / recovered",
    `${report.jobs.enqueued} / ${report.jobs.finished} / ${report.jobs.recovered} (lost ${report.jobs.lost.length})`,
  ],
  ["orphan processes", String(report.orphans.length)],
  ...report.faults.map((f): [string, string] => [
    `${f.at} s: ${f.name}`,
    `${f.ok ? "recovered" : "NOT RECOVERED"}${
      f.recoveredMs === null ? "" : ` in ${f.recoveredMs} ms`
    } (${f.detail})`,
  ]),
];
console.log("| figure | value |\n| --- | --- |");
for (const [name, value] of rows) console.log(`| ${name} | ${value.replaceAll("|", "\\|")} |`);
if (report.broken.length > 0) {
  console.log(`\nBROKEN: ${report.broken.join("; ")}`);
  Deno.exit(1);
}
console.log("\nevery invariant held");
