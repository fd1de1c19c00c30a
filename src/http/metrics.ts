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
}

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
    metrics.count++;
  }

  /**
   * A plugin's traffic so far: requests, 5xx answers and their share, and the p50 and p99
   * latency read from the histogram (the upper bound of the bucket they fall in).
   */
  summary(plugin: string): {
    requests: number;
    errors: number;
    errorRate: number;
    p50Ms: number | null;
    p99Ms: number | null;
  } {
    const metrics = this.#plugins.get(plugin);
    if (!metrics || metrics.count === 0) {
      return { requests: 0, errors: 0, errorRate: 0, p50Ms: null, p99Ms: null };
    }
    const errors = metrics.requests.get("5xx") ?? 0;
    const quantile = (q: number) => {
      let seen = 0;
      for (let i = 0; i < metrics.buckets.length; i++) {
        seen += metrics.buckets[i]!;
        if (seen >= q * metrics.count) return i < BUCKETS.length ? BUCKETS[i]! * 1000 : null;
      }
      return null;
    };
    return {
      requests: metrics.count,
      errors,
      errorRate: errors / metrics.count,
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
      };
      this.#plugins.set(plugin, metrics);
    }
    return metrics;
  }

  #sorted(): [string, PluginMetrics][] {
    return [...this.#plugins].sort(([a], [b]) => a < b ? -1 : 1);
  }
}
