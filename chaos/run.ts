/**
 * One chaos run: the real host (a child process) with the example plugins and the failure
 * fixtures, steady load, faults on a schedule, then a SIGKILL of the host and a start on the
 * same files, and the invariants checked.
 */
import { join } from "node:path";
import { type HostProcess, listeningUrl, REPO, spawnHost } from "../tests/_host_process.ts";
import { type FaultResult, FAULTS } from "./faults.ts";
import { Load, type LoadStats } from "./load.ts";

export interface ChaosReport {
  minutes: number;
  load: Omit<LoadStats, "attestationsAcked" | "jobsAcked">;
  faults: FaultResult[];
  host: { rssStartMiB: number; rssEndMiB: number; fdsStart: number; fdsEnd: number };
  attestations: { acknowledged: number; foundAfterRestart: number; lost: string[] };
  jobs: { enqueued: number; finished: number; recovered: number; lost: string[] };
  orphans: number[];
  /** Broken invariants, in words; empty when the run passed. */
  broken: string[];
}

const PLUGINS = ["echo", "ledger", "worker", "biotech", "finance", "noisy", "hostile", "glutton"];

function config(): string {
  return `[server]
port = 0
request_timeout = "10s"
body_limit = "1MiB"

[plugin]
enabled = ${JSON.stringify(PLUGINS)}
paths = ${JSON.stringify([join(REPO, "plugins"), join(REPO, "tests", "fixtures", "plugins")])}
health_interval = "1s"
health_timeout = "1s"
call_timeout = "2s"
shutdown_timeout = "3s"

[plugin.restart]
delay = "50ms"
delay_max = "1s"
max_crashes = 1000

[pulse]
workers = 4
job_timeout = "30s"
`;
}

function procStatus(pid: number): { rssMiB: number; fds: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return {
    rssMiB: Math.round(rss * 10) / 10,
    fds: [...Deno.readDirSync(`/proc/${pid}/fd`)].length,
  };
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function allRunning(load: Load, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const { body } = await load.request("GET", "/api/plugins");
    const plugins = (body as { plugins?: { name: string; state: string }[] }).plugins ?? [];
    if (plugins.length === PLUGINS.length && plugins.every((p) => p.state === "running")) return;
    if (Date.now() > end) throw new Error(`plugins not all running: ${JSON.stringify(plugins)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every id of a paged listing (`?cursor=`), following `next`. */
async function collect(
  load: Load,
  path: string,
  pick: (body: unknown) => { ids: string[]; next: string | null },
) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const answer = await load.request("GET", `${path}${cursor ? `&cursor=${cursor}` : ""}`);
    const page = pick(answer.body);
    ids.push(...page.ids);
    cursor = page.next;
  } while (cursor);
  return ids;
}

export async function runChaos(
  options: { minutes: number; log?: (line: string) => void },
): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const dir = await Deno.makeTempDir({ prefix: "qntx-chaos-" });
  await Deno.writeTextFile(join(dir, "am.toml"), config());
  const pidsSeen = new Set<number>();
  // The host runs with credentials, as users run it; the load carries the operator's token.
  const token = crypto.randomUUID() + crypto.randomUUID();
  const withAuth = { QNTX_AUTH_ENABLED: "true", QNTX_AUTH_TOKEN: token };
  let host: HostProcess = spawnHost({
    cwd: dir,
    args: ["--config", join(dir, "am.toml")],
    env: withAuth,
  });
  try {
    let url = await listeningUrl(host);
    let load = new Load(url, token);
    await allRunning(load);
    const start = procStatus(host.child.pid);
    const started = performance.now();
    load.start();
    const names = Object.keys(FAULTS);
    const faults: FaultResult[] = [];
    // Every fault at least once in a short run; in a long one, one fault every 20 s, in turn.
    const period = Math.min((options.minutes * 60_000) / (names.length + 1), 20_000);
    const watchPids = setInterval(async () => {
      const { body } = await load.request("GET", "/api/plugins");
      for (
        const p of (body as { plugins?: { process?: { pid: number | null } }[] }).plugins ?? []
      ) {
        if (p.process?.pid) pidsSeen.add(p.process.pid);
      }
    }, 500);
    for (let i = 0; performance.now() - started < options.minutes * 60_000; i++) {
      await new Promise((resolve) => setTimeout(resolve, period));
      const name = names[i % names.length]!;
      const at = (performance.now() - started) / 1000;
      const result = await FAULTS[name]!(load, url);
      faults.push({ name, at: Math.round(at), ...result });
      log(
        `${at.toFixed(0)} s: ${name}: ${
          result.ok ? "recovered" : "NOT recovered"
        } ${result.detail}`,
      );
    }
    clearInterval(watchPids);
    const end = procStatus(host.child.pid);
    await load.stop();
    const stats = load.stats;

    // The last fault: the host itself is SIGKILLed, then started again on the same files.
    host.child.kill("SIGKILL");
    await host.finished;
    host = spawnHost({ cwd: dir, args: ["--config", join(dir, "am.toml")], env: withAuth });
    url = await listeningUrl(host);
    load = new Load(url, token);
    await allRunning(load);
    const found = new Set(
      await collect(load, "/api/attestations?source=ledger&limit=1000", (body) => {
        const b = body as { attestations: { id: string }[]; next: string | null };
        return { ids: b.attestations.map((a) => a.id), next: b.next };
      }),
    );
    const jobs = new Map<string, string>();
    for (const status of ["queued", "running", "paused", "completed", "failed", "cancelled"]) {
      const ids = await collect(
        load,
        `/api/pulse/jobs?plugin=worker&status=${status}&limit=1000`,
        (body) => {
          const b = body as { jobs: { id: string }[]; next: string | null };
          return { ids: b.jobs.map((j) => j.id), next: b.next };
        },
      );
      for (const id of ids) jobs.set(id, status);
    }
    host.child.kill("SIGTERM");
    await host.finished;
    await new Promise((resolve) => setTimeout(resolve, 500));

    const lostAttestations = stats.attestationsAcked.filter((id) => !found.has(id));
    const lostJobs = stats.jobsAcked.filter((id) => !jobs.has(id));
    const finished = stats.jobsAcked.filter((id) =>
      ["completed", "failed", "cancelled"].includes(jobs.get(id) ?? "")
    ).length;
    const orphans = [...pidsSeen].filter(alive);
    const broken: string[] = [];
    if (stats.hung > 0) {
      broken.push(`${stats.hung} requests hung`);
    }
    if (lostAttestations.length > 0) {
      broken.push(`${lostAttestations.length} acknowledged attestations lost`);
    }
    if (lostJobs.length > 0) {
      broken.push(`${lostJobs.length} enqueued jobs lost`);
    }
    if (orphans.length > 0) {
      broken.push(`${orphans.length} plugin processes outlived the host`);
    }
    for (
      const fault of faults.filter((f) =>
        !f.ok
      )
    ) {
      broken.push(`not recovered: ${fault.name} (${fault.detail})`);
    }
    const { attestationsAcked: _a, jobsAcked: _j, ...rest } = stats;
    return {
      minutes: options.minutes,
      load: { ...rest, maxWaitMs: Math.round(rest.maxWaitMs) },
      faults: faults.map((f) => ({
        ...f,
        recoveredMs: f.recoveredMs === null ? null : Math.round(f.recoveredMs),
      })),
      host: {
        rssStartMiB: start.rssMiB,
        rssEndMiB: end.rssMiB,
        fdsStart: start.fds,
        fdsEnd: end.fds,
      },
      attestations: {
        acknowledged: stats.attestationsAcked.length,
        foundAfterRestart: found.size,
        lost: lostAttestations,
      },
      jobs: {
        enqueued: stats.jobsAcked.length,
        finished,
        recovered: stats.jobsAcked.length - finished - lostJobs.length,
        lost: lostJobs,
      },
      orphans,
      broken,
    };
  } finally {
    try {
      host.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await host.finished.catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
