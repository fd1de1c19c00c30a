import { countOutcomes, type Finding, type Outcome } from "./findings.ts";
import type { ConformanceReport } from "./run_conformance.ts";

const MARK: Record<Outcome, string> = { pass: "PASS", fail: "FAIL", warn: "WARN", skip: "SKIP" };

/** One finding as a line of the report. */
export function formatFinding(finding: Finding): string {
  return `  ${MARK[finding.outcome]}  ${finding.step.padEnd(13)} ${finding.message}`;
}

/** The report's closing lines: the counts, and the plugin's last stderr lines after a failure. */
export function formatSummary(report: ConformanceReport): string {
  const counts = countOutcomes(report.findings);
  const lines = [
    `${report.plugin || "the plugin"} ${counts.fail > 0 ? "does not conform" : "conforms"}: ` +
    `${counts.pass} checks pass, ${counts.fail} fail, ${counts.warn} warn, ${counts.skip} skipped`,
  ];
  if (counts.fail > 0 && report.stderr.length > 0) {
    lines.push("its last stderr lines:", ...report.stderr.map((line) => `    ${line}`));
  }
  return lines.join("\n");
}
