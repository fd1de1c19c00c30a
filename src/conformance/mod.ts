/**
 * The conformance check for plugin authors in any language: a plugin driven through the
 * protocol as QNTX's host drives it, each step reported as passing or failing. @module
 */
export { countOutcomes, type Finding, Findings, type Outcome } from "./findings.ts";
export { formatFinding, formatSummary } from "./report.ts";
export {
  type ConformanceOptions,
  type ConformanceReport,
  runConformance,
} from "./run_conformance.ts";
export { type DenoRuntime, findTarget } from "./target.ts";
