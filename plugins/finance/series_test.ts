import assert from "node:assert/strict";
import { alignCloses } from "./series.ts";

Deno.test("alignCloses() keeps only the dates every symbol has", () => {
  const aligned = alignCloses([
    { symbol: "A", dates: ["d1", "d2", "d3"], closes: [1, 2, 3] },
    { symbol: "B", dates: ["d1", "d3", "d4"], closes: [10, 30, 40] },
  ]);
  assert.deepEqual(aligned, { dates: ["d1", "d3"], closes: [[1, 3], [10, 30]] });
  assert.deepEqual(alignCloses([]), { dates: [], closes: [] });
});
