import type { AttestationCommand } from "../../src/sdk/mod.ts";
import type { Commit } from "./git_log.ts";

/** Who attests: this plugin's ingest. */
export const ACTOR = "code-ingest";

/**
 * What one commit says, as attestations: `<commit> authored_by <author>` and, for each file,
 * `<file> modified_in <commit>`. Times are the commit's.
 */
export function commitAttestations(commit: Commit, repository: string): AttestationCommand[] {
  const author = `${commit.author} <${commit.email}>`;
  return [
    {
      subjects: [commit.hash],
      predicates: ["authored_by"],
      contexts: [author],
      actors: [ACTOR],
      timestamp: commit.time,
      attributes: { subject: commit.subject, repository, files: commit.files.length },
    },
    ...commit.files.map((file) => ({
      subjects: [file],
      predicates: ["modified_in"],
      contexts: [commit.hash],
      actors: [ACTOR],
      timestamp: commit.time,
      attributes: { repository },
    })),
  ];
}
