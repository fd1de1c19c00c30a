import assert from "node:assert/strict";
import { parseHostConfig } from "../config/mod.ts";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { listen } from "./listen.ts";

Deno.test("listen - behind the front, the internal port serves only what the front joined", async () => {
  const config = parseHostConfig(`[server]\nport = 0\nslow_client_guard = "on"\n`, "am.toml");
  const logs = memorySink();
  const listening = listen(
    config.server,
    () => Promise.resolve(new Response("from the app")),
    new JsonLogger("front", { sink: logs }),
  );
  try {
    assert.ok(listening.guard && listening.internal);
    // Through the front: the app answers.
    assert.equal(await (await fetch(listening.url)).text(), "from the app");
    // Straight to the internal port, as a local program that found it would: refused.
    const direct = await fetch(`http://127.0.0.1:${listening.internal.port}/`);
    assert.equal(direct.status, 421);
    assert.match(await direct.text(), /not to its internal port/);
    assert.ok(logs.records.some((record) => /internal port/.test(String(record.msg))));
  } finally {
    await listening.shutdown();
  }
});
