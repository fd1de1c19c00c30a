import assert from "node:assert/strict";
import { StreamTable } from "./stream_table.ts";

Deno.test("StreamTable keeps, finds, counts and forgets streams by id, up to u32 ids", () => {
  const table = new StreamTable<string>();
  table.set(1, "one");
  table.set(2 ** 32 - 1, "last");
  table.set(1, "one again");
  assert.equal(table.size, 2);
  assert.equal(table.get(1), "one again");
  assert.equal(table.has(2 ** 32 - 1), true);
  assert.equal(table.delete(3), false);
  for (const [id] of table.entries()) table.delete(id); // deleting while going through
  assert.equal(table.size, 0);
  assert.equal(table.get(1), undefined);
  table.set(5, "five");
  table.clear();
  assert.deepEqual(table.entries(), []);
});
