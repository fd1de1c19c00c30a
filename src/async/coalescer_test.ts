import assert from "node:assert/strict";
import { Coalescer } from "./coalescer.ts";

Deno.test("calls made while a batch is written go out together in the next one", async () => {
  const batches: number[][] = [];
  let open!: () => void;
  let gate = new Promise<void>((resolve) => open = resolve);
  const doubled = new Coalescer<number, number>(async (items) => {
    batches.push(items);
    await gate;
    return items.map((n) => n * 2);
  }, 3);
  const first = doubled.submit(1);
  await Promise.resolve();
  const rest = [2, 3, 4, 5].map((n) => doubled.submit(n));
  open();
  gate = Promise.resolve();
  assert.deepEqual(await Promise.all([first, ...rest]), [2, 4, 6, 8, 10]);
  assert.deepEqual(batches, [[1], [2, 3, 4], [5]]);
});

Deno.test("a failed batch fails its callers alone, and the next batch still goes", async () => {
  const coalescer = new Coalescer<string, string>((items) =>
    items.includes("bad") ? Promise.reject(new Error("no")) : Promise.resolve(items)
  );
  const bad = coalescer.submit("bad");
  await assert.rejects(bad, /no/);
  assert.equal(await coalescer.submit("good"), "good");
});
