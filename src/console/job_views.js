/** The Pulse queue: jobs by status and plugin with their progress, and one job's log. */

import { api, el, notify, replaceKeepingFocus, table, time } from "./dom.js";
import { cleanups, main, plugins } from "./state.js";

const FINISHED = ["completed", "failed", "cancelled"];

function progress(job) {
  const { current, total } = job.progress;
  if (!total) {
    return job.status === "running"
      ? el("progress", { "aria-label": `progress of ${job.id}` })
      : "—";
  }
  return el("progress", {
    value: current,
    max: total,
    "aria-label": `progress of ${job.id}: ${current} of ${total}`,
  });
}

function cancelButton(job, after) {
  return el("button", {
    type: "button",
    "data-key": `cancel:${job.id}`,
    disabled: FINISHED.includes(job.status),
    onclick: async () => {
      const result = await api("POST", `/api/pulse/jobs/${encodeURIComponent(job.id)}/cancel`);
      if (result.ok) notify(`cancelled ${result.body.cancelled.length} job(s)`);
      else notify(result.body.detail ?? "cancel refused", true);
      after();
    },
  }, "Cancel");
}

export function viewJobs() {
  const status = el(
    "select",
    { id: "job-status" },
    ["", "queued", "running", "paused", "completed", "failed", "cancelled"].map((s) =>
      el("option", { value: s }, s || "any")
    ),
  );
  const plugin = el(
    "select",
    { id: "job-plugin" },
    el("option", { value: "" }, "any"),
    el("option", { value: "host" }, "host"),
    [...plugins.keys()].sort().map((p) => el("option", { value: p }, p)),
  );
  const counts = el("p", { class: "muted", role: "status" });
  const body = el("tbody");
  // Plugins' watchers: what each waits for, and the jobs it queued or held back.
  const watchers = el("tbody");
  const loadWatchers = async () => {
    const result = await api("GET", "/api/pulse/watchers");
    if (!result.ok) return;
    const filter = (w) =>
      ["subjects", "predicates", "contexts", "actors"].filter((d) => w[d].length > 0)
        .map((d) => `${d}: ${w[d].join(" | ")}`).join("; ") || "any attestation";
    replaceKeepingFocus(
      watchers,
      ...result.body.watchers.map((w) =>
        el(
          "tr",
          { "data-watcher": `${w.plugin}/${w.id}` },
          el("td", {}, `${w.plugin}/${w.id}`),
          el("td", {}, `${w.plugin}/${w.handlerName}`),
          el("td", {}, filter(w)),
          el("td", {}, w.maxFiresPerSecond === 0 ? "structural only" : `${w.maxFiresPerSecond}/s`),
          el("td", {}, String(w.fired)),
          el("td", {}, String(w.held)),
        )
      ),
    );
  };
  const load = async () => {
    const query = new URLSearchParams({ limit: "100" });
    if (status.value) query.set("status", status.value);
    if (plugin.value) query.set("plugin", plugin.value === "host" ? "" : plugin.value);
    const result = await api("GET", `/api/pulse/jobs?${query}`);
    if (!result.ok) return;
    counts.textContent = Object.entries(result.body.counts).map(([s, n]) => `${s} ${n}`).join(
      " · ",
    );
    replaceKeepingFocus(
      body,
      ...result.body.jobs.map((job) =>
        el(
          "tr",
          { "data-job": job.id },
          el("td", {}, el("a", { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.id)),
          el("td", {}, job.handlerName),
          el("td", {}, el("span", { class: "state", "data-state": job.status }, job.status)),
          el("td", {}, progress(job)),
          el("td", { class: "nowrap" }, time(job.createdAt)),
          el("td", {}, job.error),
          el("td", {}, cancelButton(job, load)),
        )
      ),
    );
  };
  status.addEventListener("change", load);
  plugin.addEventListener("change", load);
  main.replaceChildren(
    el("h2", {}, "Jobs"),
    el(
      "div",
      { class: "filters" },
      el("label", { for: "job-status" }, "Status", status),
      el("label", { for: "job-plugin" }, "Plugin", plugin),
    ),
    counts,
    table(
      ["job", "handler", "status", "progress", "created", "error", ""],
      body,
      undefined,
      "No job matches. Jobs appear here when a plugin, a schedule, a watcher or POST /api/pulse/jobs queues one.",
    ),
    el("h3", {}, "Watchers"),
    table(
      ["watcher", "runs", "matches", "rate", "queued", "held"],
      watchers,
      undefined,
      "No plugin declares a watcher.",
    ),
  );
  load();
  loadWatchers();
  const timer = setInterval(() => {
    load();
    loadWatchers();
  }, 1500);
  cleanups.push(() => clearInterval(timer));
  return () => {};
}

export function viewJob(id) {
  const box = el("div");
  const load = async () => {
    const result = await api("GET", `/api/pulse/jobs/${encodeURIComponent(id)}`);
    if (!result.ok) return box.replaceChildren(el("p", {}, result.body.detail ?? "not found"));
    const { job, logs } = result.body;
    replaceKeepingFocus(
      box,
      el(
        "h2",
        {},
        `Job ${job.id} `,
        el("span", { class: "state", "data-state": job.status }, job.status),
      ),
      el(
        "dl",
        { class: "facts" },
        el("dt", {}, "handler"),
        el("dd", {}, job.handlerName),
        el("dt", {}, "source"),
        el("dd", {}, job.source),
        el("dt", {}, "progress"),
        el("dd", {}, progress(job)),
        el("dt", {}, "retries"),
        el("dd", {}, job.retryCount),
        el("dt", {}, "cost"),
        el("dd", {}, job.costActual),
        el("dt", {}, "plugin version"),
        el("dd", {}, job.pluginVersion ?? "—"),
        el("dt", {}, "created"),
        el("dd", {}, time(job.createdAt)),
        el("dt", {}, "finished"),
        el("dd", {}, time(job.completedAt)),
      ),
      job.error ? el("pre", { class: "error" }, job.error) : null,
      el("div", { class: "actions" }, cancelButton(job, load)),
      el("h3", {}, "Result"),
      el("pre", { class: "muted" }, JSON.stringify(job.result, null, 2)),
      el("h3", {}, "Log"),
      logs.length
        ? table(
          ["time", "level", "stage", "message"],
          el(
            "tbody",
            {},
            logs.map((entry) =>
              el(
                "tr",
                {},
                el("td", {}, time(entry.at)),
                el("td", {}, entry.level),
                el("td", {}, entry.stage),
                el("td", {}, entry.message),
              )
            ),
          ),
        )
        : el("p", { class: "muted" }, "No entries."),
    );
    if (FINISHED.includes(job.status)) clearInterval(timer);
  };
  main.replaceChildren(el("p", {}, el("a", { href: "#/jobs" }, "← all jobs")), box);
  load();
  const timer = setInterval(load, 1500);
  cleanups.push(() => clearInterval(timer));
  return () => {};
}
