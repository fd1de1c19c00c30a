import type { Schedule, ScheduleBook, StoredJob } from "../../jobs/mod.ts";
import type { JobQueue, WatcherRegistry } from "../../jobs/mod.ts";
import { HttpError } from "../http_error.ts";
import { json, readJsonObject } from "../json.ts";
import { whole } from "../query.ts";
import type { Router } from "../router.ts";

/** What the Pulse API needs: the queue, the schedules, and a way to stop running jobs. */
export interface PulseDeps {
  jobs: JobQueue;
  schedules: ScheduleBook;
  workers: {
    readonly stats: { completed: number; failed: number; retried: number; running: number };
  };
  /** The watchers plugins declared (`GET /api/pulse/watchers`). */
  watchers?: WatcherRegistry;
  /** Why a job for a handler cannot be queued (no such plugin or handler), if it cannot. */
  admit?(
    handlerName: string,
  ): Promise<{ status: number; detail: string } | undefined>;
}

/** The queue's figures in Prometheus text: jobs by status, runs by outcome. */
export async function pulseMetrics(deps: PulseDeps): Promise<string> {
  const lines = [
    "# HELP qntx_pulse_jobs Jobs in the queue's store, by status.",
    "# TYPE qntx_pulse_jobs gauge",
    ...Object.entries(await deps.jobs.counts()).map(([status, n]) =>
      `qntx_pulse_jobs{status="${status}"} ${n}`
    ),
    "# HELP qntx_pulse_runs_total Job runs the workers ended since the host started, by outcome.",
    "# TYPE qntx_pulse_runs_total counter",
  ];
  const { stats } = deps.workers;
  for (const outcome of ["completed", "failed", "retried"] as const) {
    lines.push(`qntx_pulse_runs_total{outcome="${outcome}"} ${stats[outcome]}`);
  }
  lines.push(
    "# HELP qntx_pulse_running Job runs under way now.",
    "# TYPE qntx_pulse_running gauge",
    `qntx_pulse_running ${stats.running}`,
  );
  return lines.join("\n") + "\n";
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const ENQUEUE_KEYS = [
  "handler_name",
  "payload",
  "timeout_secs",
  "parent_job_id",
  "id",
  "cost_estimate",
];

function parsed(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return null;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return { unreadable: `${bytes.byteLength} bytes that are not JSON` };
  }
}

/** Seconds (how the queue keeps a job's times) as the API's one time format, Unix ms. */
const ms = (seconds: number) => seconds > 0 ? seconds * 1000 : null;

/** A job as the API shows it: payload and result as JSON, times in Unix milliseconds. */
export function jobView(job: StoredJob): Record<string, unknown> {
  return {
    id: job.id,
    handlerName: job.handlerName,
    plugin: job.plugin || null,
    source: job.source,
    status: job.status,
    progress: job.progress,
    costEstimate: job.costEstimate,
    costActual: job.costActual,
    error: job.error,
    parentJobId: job.parentJobId || null,
    retryCount: job.retryCount,
    createdAt: ms(job.createdAt),
    startedAt: ms(job.startedAt),
    completedAt: ms(job.completedAt),
    timeoutSecs: job.timeoutSecs || null,
    runAfter: job.runAfter || null,
    scheduleId: job.scheduleId || null,
    pluginVersion: job.pluginVersion || null,
    payload: parsed(job.payload),
    result: parsed(job.result),
  };
}

/** A schedule as the API shows it: times in Unix milliseconds, null for none. */
function scheduleView(schedule: Schedule): Record<string, unknown> {
  const at = (ms: number) => ms > 0 ? ms : null;
  return {
    ...schedule,
    payload: parsed(schedule.payload),
    nextRunAt: at(schedule.nextRunAt),
    lastRunAt: at(schedule.lastRunAt),
    lastExecutionId: schedule.lastExecutionId || null,
    createdAt: at(schedule.createdAt),
    updatedAt: at(schedule.updatedAt),
  };
}

function optionalText(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `"${key}" must be a string`);
  return value;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw new HttpError(400, `"${key}" must be a number`);
  return value;
}

/**
 * The Pulse queue for operators: enqueue (`POST /api/pulse/jobs` with `{handler_name, payload}`),
 * list (`?status=&plugin=&limit=&cursor=`, newest first), one job with its log entries and
 * result, cancel (with its children), pause and resume; and the schedules.
 */
export function pulseRoutes(router: Router, deps: PulseDeps): void {
  const { jobs, schedules } = deps;
  router.post("/api/pulse/jobs", async ({ request }) => {
    const body = await readJsonObject(request, 16 * 1024 * 1024 + 4096);
    const unknown = Object.keys(body).filter((key) => !ENQUEUE_KEYS.includes(key));
    if (unknown.length > 0) {
      throw new HttpError(
        400,
        `unknown field ${unknown.map((key) => `"${key}"`).join(", ")}; a job takes ${
          ENQUEUE_KEYS.join(", ")
        }`,
      );
    }
    const handlerName = optionalText(body, "handler_name");
    if (!handlerName) {
      throw new HttpError(400, `"handler_name" is required, e.g. "biotech/analyze"`);
    }
    const refused = await deps.admit?.(handlerName);
    if (refused) throw new HttpError(refused.status, refused.detail);
    const job = await jobs.enqueue({
      handlerName,
      payload: body.payload === undefined
        ? undefined
        : encoder.encode(JSON.stringify(body.payload)),
      timeoutSecs: optionalNumber(body, "timeout_secs"),
      parentJobId: optionalText(body, "parent_job_id"),
      id: optionalText(body, "id"),
      costEstimate: optionalNumber(body, "cost_estimate"),
    }, "api");
    return json({ job: jobView(job) }, {
      status: 201,
      headers: { location: `/api/pulse/jobs/${encodeURIComponent(job.id)}` },
    });
  });

  router.get("/api/pulse/jobs", async ({ url }) => {
    const query = url.searchParams;
    const limit = whole("limit", query.get("limit"), 1, 1000) ?? 100;
    const page = await jobs.list({
      status: query.get("status") || undefined,
      plugin: query.has("plugin") ? query.get("plugin")! : undefined,
      limit,
      newestFirst: true,
      after: query.get("cursor") || undefined,
    });
    return json({
      jobs: page.map(jobView),
      counts: await jobs.counts(),
      next: page.length === limit ? page[page.length - 1]!.id : null,
    });
  });

  const one = async (id: string | undefined) => {
    const job = await jobs.get(id ?? "");
    if (!job) throw new HttpError(404, `job "${id}" does not exist`);
    return job;
  };
  router.get("/api/pulse/jobs/:id", async ({ params }) => {
    const job = await one(params.id);
    // A plugin reports each entry's time in RFC 3339; the API's one format is Unix ms.
    const logs = (await jobs.logs(job.id)).map(({ timestamp, ...entry }) => ({
      at: Number.isNaN(Date.parse(timestamp)) ? null : Date.parse(timestamp),
      ...entry,
    }));
    return json({ job: jobView(job), logs });
  });
  router.post("/api/pulse/jobs/:id/cancel", async ({ params }) => {
    const job = await one(params.id);
    // The host running any of them hears of it (and stops the run) wherever it is.
    const cancelled = await jobs.cancel(job.id);
    return json({ job: jobView((await jobs.get(job.id))!), cancelled });
  });
  router.post(
    "/api/pulse/jobs/:id/pause",
    async ({ params }) => json({ job: jobView(await jobs.pause((await one(params.id)).id)) }),
  );
  router.post(
    "/api/pulse/jobs/:id/resume",
    async ({ params }) => json({ job: jobView(await jobs.resume((await one(params.id)).id)) }),
  );

  // Every watcher plugins declared, with what each queued and held back (?plugin= narrows).
  router.get("/api/pulse/watchers", ({ url }) => {
    const plugin = url.searchParams.get("plugin");
    const all = deps.watchers?.list() ?? [];
    return json({ watchers: plugin ? all.filter((watcher) => watcher.plugin === plugin) : all });
  });
  router.get("/api/pulse/schedules", async ({ url }) => {
    const plugin = url.searchParams.get("plugin");
    return json({ schedules: (await schedules.list(plugin ?? undefined)).map(scheduleView) });
  });
  router.post(
    "/api/pulse/schedules/:id/pause",
    async ({ params }) =>
      json({ schedule: scheduleView(await schedules.setState(params.id ?? "", "paused")) }),
  );
  router.post(
    "/api/pulse/schedules/:id/resume",
    async ({ params }) =>
      json({ schedule: scheduleView(await schedules.setState(params.id ?? "", "active")) }),
  );
}
