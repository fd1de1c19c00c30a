/** One problem with the configuration: where it is, and what is wrong. */
export interface ConfigIssue {
  /** The file, or `environment QNTX_…` for an override. */
  source: string;
  /** Dotted key, such as `server.port`; empty for the whole file. */
  key: string;
  problem: string;
}

/** Every problem found in a configuration, reported together so they can be fixed at once. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((issue) => `  - ${formatIssue(issue)}`).join("\n"),
    );
  }
}

/** `am.toml: server.port: expected …`. */
export function formatIssue(issue: ConfigIssue): string {
  return [issue.source, issue.key, issue.problem].filter((part) => part !== "").join(": ");
}
