import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import type { search } from "../protocol/mod.ts";
import { SearchRouter } from "./search_router.ts";

const client = (label: string) => ({ label }) as unknown as search.SearchServiceClient;

function router(chosen = "") {
  const sink = memorySink();
  const states = new Map<string, string>();
  const routing = new SearchRouter(new JsonLogger("t", { sink }), {
    chosen: () => chosen,
    state: (plugin) => states.get(plugin) ?? "running",
  });
  const warned = (pattern: RegExp) => sink.records.some((record) => pattern.test(record.msg));
  return { routing, states, warned };
}

Deno.test("the search role: the first offer holds it; another plugin is refused, said to the operator", () => {
  const { routing, warned } = router();
  assert.equal(routing.current(), undefined);
  assert.match(routing.unavailable(), /enable a plugin that declares search_provider/);
  const first = client("a-1");
  routing.offer("a", first);
  routing.offer("b", client("b-1"));
  assert.equal(routing.current()?.client, first);
  assert.ok(warned(/plugin "b" declares search_provider, refused: plugin "a" serves search/));
  // A new launch of the holder replaces its old one; the old launch leaving changes nothing.
  const again = client("a-2");
  routing.offer("a", again);
  routing.withdraw("a", first);
  assert.equal(routing.current()?.client, again);
  routing.withdraw("b");
  assert.deepEqual(routing.roles(), [{ role: "search", plugin: "a" }]);
  routing.withdraw("a", again);
  assert.deepEqual(routing.roles(), []);
});

Deno.test("the search role: only the plugin the operator names may hold it; not while it is paused", () => {
  const { routing, states, warned } = router("b");
  routing.offer("a", client("a-1"));
  assert.equal(routing.current(), undefined);
  assert.ok(warned(/refused: \[plugin\] search_provider names "b"/));
  assert.match(routing.unavailable(), /plugin "b" \(\[plugin\] search_provider\) does not serve/);
  routing.offer("b", client("b-1"));
  assert.equal(routing.current()?.plugin, "b");
  states.set("b", "paused");
  assert.equal(routing.current(), undefined);
  assert.equal(routing.unavailable(), 'search provider "b" is paused');
});
