import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import type { search } from "../protocol/mod.ts";
import { SearchRouter } from "./search_router.ts";

const client = (label: string) => ({ label }) as unknown as search.SearchServiceClient;

Deno.test("the search role: the last offer wins, said to the operator; only its own launch withdraws it", () => {
  const sink = memorySink();
  const router = new SearchRouter(new JsonLogger("t", { sink }));
  assert.equal(router.current(), undefined);
  const first = client("a-1");
  router.offer("a", first);
  assert.deepEqual(router.roles(), [{ role: "search", plugin: "a" }]);
  const second = client("b-1");
  router.offer("b", second);
  assert.equal(router.current()?.client, second);
  assert.ok(
    sink.records.some((r) => /plugin "b" declares search_provider while plugin "a"/.test(r.msg)),
  );
  // A's process going does not take B's role.
  router.withdraw("a", first);
  assert.equal(router.current()?.plugin, "b");
  // An old launch of B leaving after a new one offered: the new one stays.
  const third = client("b-2");
  router.offer("b", third);
  router.withdraw("b", second);
  assert.equal(router.current()?.client, third);
  router.withdraw("b", third);
  assert.deepEqual(router.roles(), []);
});
