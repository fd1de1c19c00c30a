import { PLUGIN_STATES } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";

/** Upper bounds of the latency histogram, in seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface PluginMetrics {
  /** Requests by status class ("2xx", …). */
  requests: Map<string, number>;
  /** Counts per bucket (cumulative when rendered), then +Inf. */
  buckets: number[];
  sum: number;
  count: number;
  restarts: number;
  /** Requests the host answered itself (503) while the plugin was not running. */
  refused: number;
  /** The latest durations, in milliseconds (a ring), for exact quantiles of recent traffic. */
  recent: Float64Array;
}

/** How many of the latest requests the p50 and p99 are taken over. */
const RECENT = 1024;

/**
 * The host's Prometheus metrics: per plugin, requests by status class, a latency histogram,
 * restarts and the current state. Recording is a few additions on the request path.
 */
export class Metrics {
  readonly #plugins = new Map<string, PluginMetrics>();

  constructor(readonly registry: Registry) {
    // Every move back to loading after the first start is a restart (crash or asked).
    registry.onStateChange((change) => {
      if (change.to === "loading" && change.from !== null) this.#of(change.plugin).restarts++;
    });
  }

  /** Records one request a plugin answered (or failed to). */
  observe(plugin: string, status: number, seconds: number): void {
    const metrics = this.#of(plugin);
    const statusClass = `${Math.floor(status / 100)}xx`;
    metrics.requests.set(statusClass, (metrics.requests.get(statusClass) ?? 0) + 1);
    const bucket = BUCKETS.findIndex((bound) => seconds <= bound);
    metrics.buckets[bucket === -1 ? BUCKETS.length : bucket]!++;
    metrics.sum += seconds;
    metrics.recent[metrics.count % RECENT] = seconds * 1000;
    metrics.count++;
  }

  /** Records a request the host refused because the plugin was not running. */
  refused(plugin: string): void {
    this.#of(plugin).refused++;
  }

  /**
   * A plugin's traffic so far: requests it answered, its 5xx answers and their share, the
   * requests the host refused while it was not running (not its errors), and the p50 and p99
   * latency of its latest 1024 requests, exact to 0.1 ms (nearest rank).
   */
  summary(plugin: string): {
    requests: number;
    errors: number;
    errorRate: number;
    refused: number;
    p50Ms: number | null;
    p99Ms: number | null;
  } {
    const metrics = this.#plugins.get(plugin);
    const refused = metrics?.refused ?? 0;
    if (!metrics || metrics.count === 0) {
      return { requests: 0, errors: 0, errorRate: 0, refused, p50Ms: null, p99Ms: null };
    }
    const errors = metrics.requests.get("5xx") ?? 0;
    const sorted = metrics.recent.slice(0, Math.min(metrics.count, RECENT)).sort();
    const quantile = (q: number) =>
      Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]! * 10) / 10;
    return {
      requests: metrics.count,
      errors,
      errorRate: errors / metrics.count,
      refused,
      p50Ms: quantile(0.5),
      p99Ms: quantile(0.99),
    };
  }

  restarts(plugin: string): number {
    return this.#plugins.get(plugin)?.restarts ?? 0;
  }

  /** The Prometheus text exposition (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    const label = (plugin: string, extra = "") => `{plugin="${plugin}"${extra}}`;
    lines.push("# HELP qntx_plugin_requests_total Requests proxied to a plugin, by status class.");
    lines.push("# TYPE qntx_plugin_requests_total counter");
    for (const [plugin, metrics] of this.#sorted()) {
      for (const [statusClass, count] of [...metrics.requests].sort()) {
        lines.push(`qntx_plugin_requests_total${label(plugin, `,code="${statusClass}"`)} ${count}`);
      }
    }
    lines.push(
      "# HELP qntx_plugin_refused_total Requests the host answered 503 itself: the plugin was " +
        "paused, loading, stopped or failed (not the plugin's errors).",
    );
    lines.push("# TYPE qntx_plugin_refused_total counter");
    for (const [plugin, metrics] of this.#sorted()) {
      lines.push(`qntx_plugin_refused_total${label(plugin)} ${metrics.refused}`);
    }
    lines.push("# HELP qntx_plugin_request_duration_seconds Time to answer a proxied request.");
    lines.push("# TYPE qntx_plugin_request_duration_seconds histogram");
    for (const [plugin, metrics] of this.#sorted()) {
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += metrics.buckets[i]!;
        lines.push(
          `qntx_plugin_request_duration_seconds_bucket${
            label(plugin, `,le="${bound}"`)
          } ${cumulative}`,
        );
      });
      lines.push(
        `qntx_plugin_request_duration_seconds_bucket${
          label(plugin, ',le="+Inf"')
        } ${metrics.count}`,
      );
      lines.push(`qntx_plugin_request_duration_seconds_sum${label(plugin)} ${metrics.sum}`);
      lines.push(`qntx_plugin_request_duration_seconds_count${label(plugin)} ${metrics.count}`);
    }
    lines.push(
      "# HELP qntx_plugin_restarts_total Times a plugin went back to loading after it first started.",
    );
    lines.push("# TYPE qntx_plugin_restarts_total counter");
    for (const name of this.registry.listEnabled()) {
      lines.push(`qntx_plugin_restarts_total${label(name)} ${this.restarts(name)}`);
    }
    lines.push("# HELP qntx_plugin_state 1 for the state a plugin is in, 0 for the others.");
    lines.push("# TYPE qntx_plugin_state gauge");
    for (const [name, state] of this.registry.getAllStates()) {
      for (const candidate of PLUGIN_STATES) {
        lines.push(
          `qntx_plugin_state${label(name, `,state="${candidate}"`)} ${candidate === state ? 1 : 0}`,
        );
      }
    }
    return lines.join("\n") + "\n";
  }

  #of(plugin: string): PluginMetrics {
    let metrics = this.#plugins.get(plugin);
    if (!metrics) {
      metrics = {
        requests: new Map(),
        buckets: new Array(BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
        restarts: 0,
        refused: 0,
        recent: new Float64Array(RECENT),
      };
      this.#plugins.set(plugin, metrics);
    }
    return metrics;
  }

  #sorted(): [string, PluginMetrics][] {
    return [...this.#plugins].sort(([a], [b]) => a < b ? -1 : 1);
  }
}
