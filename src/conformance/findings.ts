/** What a conformance run found: one line per check, in the order the checks ran. */

/** `fail`: the plugin breaks the protocol; `warn`: it works, but not as well as it should. */
export type Outcome = "pass" | "fail" | "warn" | "skip";

/** One check's result: the protocol step it belongs to and what was seen. */
export interface Finding {
  step: string;
  outcome: Outcome;
  message: string;
}

/** The findings of one run, added to as the checks go. */
export class Findings {
  readonly list: Finding[] = [];

  constructor(private readonly onFinding: (finding: Finding) => void = () => {}) {}

  pass(step: string, message: string): void {
    this.#add({ step, outcome: "pass", message });
  }

  fail(step: string, message: string): void {
    this.#add({ step, outcome: "fail", message });
  }

  warn(step: string, message: string): void {
    this.#add({ step, outcome: "warn", message });
  }

  skip(step: string, message: string): void {
    this.#add({ step, outcome: "skip", message });
  }

  /** `pass` when `problem` is undefined, else `fail` with it. */
  check(step: string, problem: string | undefined, passed: string): void {
    if (problem === undefined) this.pass(step, passed);
    else this.fail(step, problem);
  }

  get failed(): boolean {
    return this.list.some((finding) => finding.outcome === "fail");
  }

  #add(finding: Finding): void {
    this.list.push(finding);
    this.onFinding(finding);
  }
}

/** How many checks ended each way. */
export function countOutcomes(findings: readonly Finding[]): Record<Outcome, number> {
  const counts = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const finding of findings) counts[finding.outcome]++;
  return counts;
}
