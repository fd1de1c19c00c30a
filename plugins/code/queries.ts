import type { AttestationStore } from "../../src/sdk/mod.ts";

const LIMIT = 1000;

/** A commit as the queries answer it. */
export interface CommitView {
  commit: string;
  author: string;
  subject: string;
  /** ISO 8601. */
  at: string;
}

/** The commits (newest first) with their authors, read back from the attestation store. */
async function commitsOf(ats: AttestationStore, hashes: string[]): Promise<CommitView[]> {
  if (hashes.length === 0) return [];
  const authored = await ats.get({ subjects: hashes, predicates: ["authored_by"], limit: LIMIT });
  const seen = new Map<string, CommitView>();
  for (const a of authored) {
    seen.set(a.subjects[0]!, {
      commit: a.subjects[0]!,
      author: a.contexts[0]!,
      subject: String(a.attributes?.subject ?? ""),
      at: new Date(a.timestamp).toISOString(),
    });
  }
  return [...seen.values()];
}

/** Every commit that touched `path`, newest first, with who made it. */
export async function fileHistory(ats: AttestationStore, path: string): Promise<CommitView[]> {
  const touched = await ats.get({ subjects: [path], predicates: ["modified_in"], limit: LIMIT });
  return commitsOf(ats, [...new Set(touched.map((a) => a.contexts[0]!))]);
}

/** What one author touched: their commits and the files each changed. */
export async function authorWork(
  ats: AttestationStore,
  author: string,
): Promise<{ commits: CommitView[]; files: Record<string, number> }> {
  const authored = await ats.get({ predicates: ["authored_by"], contexts: [author], limit: LIMIT });
  const hashes = authored.map((a) => a.subjects[0]!);
  const files: Record<string, number> = {};
  if (hashes.length > 0) {
    const changed = await ats.get({ predicates: ["modified_in"], contexts: hashes, limit: LIMIT });
    for (const a of changed) files[a.subjects[0]!] = (files[a.subjects[0]!] ?? 0) + 1;
  }
  return { commits: await commitsOf(ats, hashes), files };
}

/** Everyone who authored a commit, with how many. */
export async function authors(ats: AttestationStore): Promise<Record<string, number>> {
  const authored = await ats.get({ predicates: ["authored_by"], limit: LIMIT });
  const counts: Record<string, number> = {};
  for (const a of authored) counts[a.contexts[0]!] = (counts[a.contexts[0]!] ?? 0) + 1;
  return counts;
}
