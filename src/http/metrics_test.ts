import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { newRegistry } from "../registry/mod.ts";
import { Metrics } from "./metrics.ts";

Deno.test("latency quantiles are of real durations, and the host's own refusals are apart", () => {
  const metrics = new Metrics(newRegistry("1.0.0", new JsonLogger("t", { sink: memorySink() })));
  // One request of 31 ms: its p50 and p99 are 31 ms, not a bucket's edge.
  metrics.observe("bio", 200, 0.031);
  assert.deepEqual(metrics.summary("bio"), {
    requests: 1,
    errors: 0,
    errorRate: 0,
    refused: 0,
    p50Ms: 31,
    p99Ms: 31,
  });
  for (let i = 1; i <= 99; i++) metrics.observe("bio", 200, i / 10_000);
  metrics.observe("bio", 500, 0.5);
  const summary = metrics.summary("bio");
  assert.equal(summary.requests, 101);
  assert.equal(summary.errors, 1);
  assert.equal(summary.p50Ms, 5.1);
  assert.equal(summary.p99Ms, 31);
  // A paused plugin's 503s come from the host: counted apart, never as its errors.
  metrics.refused("bio");
  assert.equal(metrics.summary("bio").refused, 1);
  assert.equal(metrics.summary("bio").errors, 1);
  assert.match(metrics.render(), /^qntx_plugin_refused_total\{plugin="bio"\} 1$/m);
});
