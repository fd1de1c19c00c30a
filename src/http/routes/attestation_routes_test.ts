import assert from "node:assert/strict";
import { AttestationStore, sqliteRecords } from "../../ats/mod.ts";
import { JsonLogger, memorySink } from "../../log/mod.ts";
import { newRegistry } from "../../registry/mod.ts";
import { IN_MEMORY, openDatabase } from "../../store/mod.ts";
import { createApp } from "../app.ts";

Deno.test("GET /api/attestations filters, pages and refuses bad parameters with 400", async (t) => {
  const db = openDatabase({ path: IN_MEMORY });
  const store = new AttestationStore(db);
  const writer = { plugin: "bio", version: "1.0.0" };
  for (let i = 0; i < 5; i++) {
    store.create({
      subjects: [`gene-${i % 2}`],
      predicates: ["seen"],
      contexts: ["lab"],
      actors: ["amy"],
      timestamp: i * 10,
    }, writer);
  }
  const logger = new JsonLogger("t", { sink: memorySink() });
  const app = createApp({
    registry: newRegistry("1.0.0", logger),
    logger,
    version: "1",
    startedAt: 0,
    attestations: sqliteRecords(store),
  });
  const get = async (query: string) => {
    const response = await app(new Request(`http://h/api/attestations${query}`));
    return { status: response.status, body: await response.json() };
  };
  await t.step("filters by any list, case-insensitive, newest first", async () => {
    const { body } = await get("?subject=GENE-0&from=0&to=30");
    assert.deepEqual(body.attestations.map((a: { timestamp: number }) => a.timestamp), [20, 0]);
    assert.equal(body.attestations[0].source, "bio");
    assert.equal(body.next, null);
  });
  await t.step("filters by the plugin that wrote them", async () => {
    assert.equal((await get("?source=bio")).body.attestations.length, 5);
    assert.equal((await get("?source=fin")).body.attestations.length, 0);
  });
  await t.step("pages with the cursor it gives", async () => {
    const first = await get("?limit=2");
    assert.deepEqual(first.body.attestations.map((a: { timestamp: number }) => a.timestamp), [
      40,
      30,
    ]);
    const second = await get(`?limit=2&cursor=${first.body.next}`);
    assert.deepEqual(second.body.attestations.map((a: { timestamp: number }) => a.timestamp), [
      20,
      10,
    ]);
  });
  await t.step("bad parameters are 400 with the reason", async () => {
    for (
      const [query, message] of [
        ["?limit=0", /limit must be a whole number from 1 to 1000, got "0"/],
        ["?from=yesterday", /from must be a whole number/],
        ["?cursor=abc", /cursor "abc" is not one this API gave out/],
      ] as const
    ) {
      const { status, body } = await get(query);
      assert.equal(status, 400);
      assert.match(body.detail, message);
    }
  });
  db.close();
});
