/** One commit as `git log` reports it. */
export interface Commit {
  hash: string;
  author: string;
  email: string;
  /** Unix milliseconds of the author date. */
  time: number;
  subject: string;
  /** Paths the commit added, changed or removed (empty for a merge). */
  files: string[];
}

const RECORD = "\x1e";
const FIELD = "\x1f";

/** The `--format` that {@link parseGitLog} reads: one record per commit, fields apart. */
export const LOG_FORMAT = `${RECORD}%H${FIELD}%an${FIELD}%ae${FIELD}%at${FIELD}%s`;

/**
 * Reads the output of `git log --format=<LOG_FORMAT> --name-only`: each record is the
 * commit's fields on one line, then the paths it touched, one per line.
 */
export function parseGitLog(text: string): Commit[] {
  const commits: Commit[] = [];
  for (const record of text.split(RECORD)) {
    if (record.trim() === "") continue;
    const [head, ...paths] = record.split("\n");
    const fields = head!.split(FIELD);
    if (fields.length !== 5 || !/^[0-9a-f]{40,64}$/.test(fields[0]!)) {
      throw new Error(`git log gave a record this parser does not read: ${JSON.stringify(head)}`);
    }
    const [hash, author, email, seconds, subject] = fields as [
      string,
      string,
      string,
      string,
      string,
    ];
    commits.push({
      hash,
      author,
      email,
      time: Number(seconds) * 1000,
      subject,
      files: paths.map((path) => path.trim()).filter((path) => path !== ""),
    });
  }
  return commits;
}
