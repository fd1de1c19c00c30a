import assert from "node:assert/strict";
import { join } from "node:path";
import { hostIdentity } from "./host_identity.ts";
import { openDatabase } from "./sqlite.ts";

Deno.test("a host's id is made once and kept in its file; another file, another host", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-identity-" });
  try {
    const path = join(dir, "qntx.db");
    const first = openDatabase({ path });
    const id = hostIdentity(first);
    assert.match(id, /^H[0-9A-F]{26}$/);
    assert.equal(hostIdentity(first), id);
    first.close();
    const again = openDatabase({ path });
    assert.equal(hostIdentity(again), id, "the same host after a restart");
    again.close();
    const other = openDatabase({ path: join(dir, "other.db") });
    assert.notEqual(hostIdentity(other), id);
    other.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
