import assert from "node:assert/strict";
import { AttestationStore, sqliteRecords } from "../ats/mod.ts";
import { ats } from "../protocol/mod.ts";
import { call, kit, TOKENS, tokens } from "./_service_test_kit.ts";
import { atsService } from "./ats_service.ts";

Deno.test("CreateAttestation keeps the client's id, as QNTX's host does, and refuses a taken one", async () => {
  using t = kit();
  const store = new AttestationStore(t.db);
  const service = atsService(sqliteRecords(store), tokens, t.logger);
  const create = (id: string) =>
    call(service.createAttestation, {
      authToken: TOKENS.bio,
      attestation: ats.Attestation.fromPartial({
        id,
        subjects: ["s"],
        predicates: ["p"],
        contexts: ["c"],
        actors: ["a"],
      }),
    });
  assert.deepEqual(await create("AS-client-1"), { success: true, error: "" });
  assert.equal(store.query({ subjects: ["s"] }).attestations[0]?.id, "AS-client-1");
  assert.deepEqual(await create("AS-client-1"), {
    success: false,
    error: 'attestation "AS-client-1" already exists; nothing was stored',
  });
  assert.match((await create("bad id/../x")).error, /must be 1 to 128 letters/);
  // Without one, the host makes it.
  assert.deepEqual(await create(""), { success: true, error: "" });
  assert.equal(store.query({ subjects: ["s"] }).attestations.length, 2);
});
