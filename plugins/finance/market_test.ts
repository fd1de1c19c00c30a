import assert from "node:assert/strict";
import { loadMarket, SAMPLES_DIR } from "./market.ts";

Deno.test("loadMarket() reads the samples shipped with the plugin", async () => {
  const market = await loadMarket([{ path: SAMPLES_DIR }]);
  assert.deepEqual(market.problems, []);
  assert.deepEqual([...market.series.keys()], ["ACME", "BOLT", "CRUX", "DUNE"]);
  for (const series of market.series.values()) assert.equal(series.closes.length, 60);
});

Deno.test("loadMarket() names bad files, repeated symbols and missing folders", async () => {
  const dir = await Deno.makeTempDir({ prefix: "finance-market-" });
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "date,ACME\n2024-01-02,1\n");
    await Deno.writeTextFile(`${dir}/b.csv`, "date,ACME,ZED\n2024-01-02,2,3\n");
    await Deno.writeTextFile(`${dir}/c.csv`, "date,symbol,close\n2024-01-02,X,oops\n");
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a csv");
    const market = await loadMarket([
      { path: dir },
      { path: `${dir}/missing` },
      { path: `${dir}/uploads`, optional: true },
    ]);
    assert.deepEqual([...market.series.keys()], ["ACME", "ZED"]);
    assert.equal(market.series.get("ACME")?.source, `${dir}/a.csv`);
    assert.deepEqual(market.files, [`${dir}/a.csv`, `${dir}/b.csv`]);
    assert.deepEqual(market.problems, [
      `${dir}/b.csv: symbol ACME was already read from ${dir}/a.csv`,
      `${dir}/c.csv: line 2, column 3 (close): "oops" is not a number`,
      `folder ${dir}/missing does not exist`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
