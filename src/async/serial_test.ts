import assert from "node:assert/strict";
import { SerialQueue } from "./serial.ts";

Deno.test("SerialQueue runs tasks one at a time in submission order, past failures", async () => {
  const queue = new SerialQueue();
  const events: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const first = queue.run(async () => {
    events.push("first start");
    await gate;
    events.push("first end");
    throw new Error("first failed");
  });
  const second = queue.run(() => {
    events.push("second");
    return Promise.resolve(2);
  });
  await Promise.resolve();
  assert.deepEqual(events, ["first start"]);
  release();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
  assert.deepEqual(events, ["first start", "first end", "second"]);
});
