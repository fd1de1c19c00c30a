import assert from "node:assert/strict";
import { afterReady } from "./after_ready.ts";

class Counter {
  #n = 0;
  clock(): number {
    return 42;
  }
  add(by: number): Promise<number> {
    return Promise.resolve(this.#n += by);
  }
}

Deno.test("calls wait for ready; the methods named now answer at once", async () => {
  let open!: () => void;
  const ready = new Promise<void>((resolve) => open = resolve);
  const counter = afterReady(new Counter(), ready, ["clock"]);
  assert.equal(counter.clock(), 42);
  let answered = false;
  const added = counter.add(2).then((n) => (answered = true, n));
  await Promise.resolve();
  assert.equal(answered, false);
  open();
  assert.equal(await added, 2);
});

Deno.test("calls fail with the reason the target never became ready", async () => {
  const ready = Promise.reject(new Error("the database is not usable"));
  ready.catch(() => {});
  const counter = afterReady(new Counter(), ready);
  await assert.rejects(() => counter.add(1), /the database is not usable/);
});
