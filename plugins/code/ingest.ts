import { join } from "node:path";
import type { AttestationStore } from "../../src/sdk/mod.ts";
import { commitAttestations } from "./attestations.ts";
import { git } from "./git.ts";
import { LOG_FORMAT, parseGitLog } from "./git_log.ts";
import { readableRepository } from "./readable_repository.ts";

/** Where an ingest is: fetching the repository, reading its log, writing attestations. */
export interface IngestProgress {
  phase: "fetch" | "log" | "attest" | "done";
  done: number;
  total: number;
}

/** What an ingest did. */
export interface IngestResult {
  repository: string;
  commits: number;
  attestations: number;
  head: string;
  /** The commit the ingest started after (empty for the first). */
  since: string;
}

interface State {
  head: string;
  commits: number;
  at: number;
}

const BATCH = 500;

/**
 * Copies the repository (a folder or a bundle file) into the plugin's data folder as a bare
 * mirror, then turns every commit not ingested before into attestations. The last ingested
 * commit is kept in the data folder, so each run only reads what is new. Each run first checks
 * that the plugin's grants cover the repository (git itself runs outside the sandbox).
 */
export class Ingest {
  constructor(
    readonly source: string,
    readonly dataDir: string,
    readonly maxCommits: number,
    /** The plugin whose read grants must cover `source`, named in refusals. */
    readonly plugin = "code",
  ) {}

  get #mirror(): string {
    return join(this.dataDir, "mirror.git");
  }

  get #stateFile(): string {
    return join(this.dataDir, "ingest.json");
  }

  async state(): Promise<State | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(this.#stateFile));
    } catch {
      return undefined;
    }
  }

  async run(
    ats: AttestationStore,
    progress: (step: IngestProgress) => void,
    signal?: AbortSignal,
  ): Promise<IngestResult> {
    const real = await readableRepository(this.source, this.plugin);
    progress({ phase: "fetch", done: 0, total: 1 });
    const exists = await Deno.stat(join(this.#mirror, "HEAD")).then(() => true, () => false);
    if (!exists) {
      await git(["clone", "--quiet", "--bare", "--", real, this.#mirror], signal);
    } else {
      await git([
        "--git-dir",
        this.#mirror,
        "fetch",
        "--quiet",
        "--prune",
        "--",
        real,
        "+refs/heads/*:refs/heads/*",
      ], signal);
    }
    const head = (await git(["--git-dir", this.#mirror, "rev-parse", "HEAD"], signal)).trim();
    const state = await this.state();
    // A head the mirror no longer has (history rewritten) means starting over.
    const known = state?.head
      ? await git(["--git-dir", this.#mirror, "cat-file", "-e", `${state.head}^{commit}`], signal)
        .then(() => true, () => false)
      : false;
    const since = known ? state!.head : "";
    progress({ phase: "log", done: 0, total: 1 });
    const commits = since === head ? [] : parseGitLog(
      await git([
        "--git-dir",
        this.#mirror,
        "log",
        "--reverse",
        `--max-count=${this.maxCommits}`,
        `--format=${LOG_FORMAT}`,
        "--name-only",
        since ? `${since}..${head}` : head,
      ], signal),
    );
    let written = 0;
    for (let i = 0; i < commits.length; i += BATCH) {
      signal?.throwIfAborted();
      const batch = commits.slice(i, i + BATCH).flatMap((commit) =>
        commitAttestations(commit, this.source)
      );
      written += await ats.batchGenerateAndCreate(batch);
      progress({
        phase: "attest",
        done: Math.min(i + BATCH, commits.length),
        total: commits.length,
      });
    }
    await Deno.writeTextFile(
      this.#stateFile,
      JSON.stringify({
        head,
        commits: (known ? state!.commits : 0) + commits.length,
        at: Date.now(),
      }),
    );
    progress({ phase: "done", done: commits.length, total: commits.length });
    return { repository: this.source, commits: commits.length, attestations: written, head, since };
  }
}
