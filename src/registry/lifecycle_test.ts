import assert from "node:assert/strict";
import { PLUGIN_STATES } from "../plugin/mod.ts";
import { canTransition, transition } from "./lifecycle.ts";

const LEGAL = new Set([
  "loading->running",
  "loading->failed",
  "loading->stopped",
  "running->paused",
  "running->stopped",
  "running->failed",
  "running->loading",
  "paused->running",
  "paused->stopped",
  "paused->failed",
  "paused->loading",
  "stopped->loading",
  "failed->loading",
  "failed->stopped",
]);

Deno.test("canTransition() allows exactly the lifecycle's moves", async (t) => {
  for (const from of PLUGIN_STATES) {
    for (const to of PLUGIN_STATES) {
      const move = `${from}->${to}`;
      await t.step(`${move} is ${LEGAL.has(move) ? "allowed" : "refused"}`, () => {
        assert.equal(canTransition(from, to), LEGAL.has(move));
      });
    }
  }
});

Deno.test("transition() names the plugin, both states and the way out when it refuses", () => {
  assert.equal(transition("code", "paused", "running"), "running");
  assert.throws(
    () => transition("code", "stopped", "paused"),
    /plugin "code" cannot move from stopped to paused \(from stopped it can move to loading\)/,
  );
});
