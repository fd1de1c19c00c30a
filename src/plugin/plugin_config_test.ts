import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { PluginConfig } from "./plugin_config.ts";

function config(values: Record<string, unknown>) {
  const sink = memorySink();
  return {
    config: new PluginConfig("biotech", values, new JsonLogger("config", { sink })),
    logs: sink.records,
  };
}

Deno.test("PluginConfig getters read native and string values alike", () => {
  const { config: c } = config({
    name: "genome",
    threads: 4,
    threads_text: "8",
    verbose: "Yes",
    fast: false,
    hosts: ["a", "b"],
    hosts_json: '["c","d"]',
    hosts_csv: "e, f",
    "blast.evalue": 0.001,
  });
  assert.equal(c.getString("name"), "genome");
  assert.equal(c.getString("threads"), "4");
  assert.equal(c.getString("hosts"), '["a","b"]');
  assert.equal(c.getInt("threads"), 4);
  assert.equal(c.getInt("threads_text"), 8);
  assert.equal(c.getBool("verbose"), true);
  assert.equal(c.getBool("fast", true), false);
  assert.deepEqual(c.getStringSlice("hosts"), ["a", "b"]);
  assert.deepEqual(c.getStringSlice("hosts_json"), ["c", "d"]);
  assert.deepEqual(c.getStringSlice("hosts_csv"), ["e", "f"]);
  assert.equal(c.get("blast.evalue"), 0.001);
});

Deno.test("PluginConfig getters give the fallback for unset keys", () => {
  const { config: c, logs } = config({});
  assert.equal(c.getString("missing"), "");
  assert.equal(c.getString("missing", "dflt"), "dflt");
  assert.equal(c.getInt("missing"), 0);
  assert.equal(c.getInt("missing", 7), 7);
  assert.equal(c.getBool("missing"), false);
  assert.equal(c.getBool("missing", true), true);
  assert.deepEqual(c.getStringSlice("missing"), []);
  assert.equal(c.get("missing"), undefined);
  assert.equal(logs.length, 0, "an unset key is not a problem worth a warning");
});

Deno.test("PluginConfig warns, naming the plugin and key, when a value does not read as asked", () => {
  const { config: c, logs } = config({ threads: "many", flag: "perhaps" });
  assert.equal(c.getInt("threads", 2), 2);
  assert.equal(c.getBool("flag"), false);
  assert.equal(logs.length, 2);
  assert.match(logs[0]!.msg, /plugin "biotech" setting "threads" does not read as an integer/);
  assert.equal(logs[0]!.plugin, "biotech");
  assert.equal(logs[0]!.level, "warn");
});

Deno.test("PluginConfig set() overrides at run time and getKeys() stays sorted", () => {
  const { config: c } = config({ zeta: 1, alpha: 2 });
  c.set("alpha", 5);
  c.set("middle", "m");
  assert.equal(c.getInt("alpha"), 5);
  assert.deepEqual(c.getKeys(), ["alpha", "middle", "zeta"]);
  assert.deepEqual(c.toRecord(), { zeta: 1, alpha: 5, middle: "m" });
});

Deno.test("PluginConfig.getNumber() reads decimals from numbers and strings", () => {
  const config = new PluginConfig("finance", { confidence: "0.99", factor: 252, bad: "high" });
  assert.equal(config.getNumber("confidence"), 0.99);
  assert.equal(config.getNumber("factor"), 252);
  assert.equal(config.getNumber("bad", 0.95), 0.95);
  assert.equal(config.getNumber("missing", 1.5), 1.5);
});
