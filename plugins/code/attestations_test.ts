import assert from "node:assert/strict";
import { commitAttestations } from "./attestations.ts";

Deno.test("commitAttestations() names the author and every file of a commit", () => {
  const hash = "c".repeat(40);
  const made = commitAttestations({
    hash,
    author: "Ada Lovelace",
    email: "ada@example.org",
    time: 1000,
    subject: "Add GC content",
    files: ["src/gc.ts", "README.md"],
  }, "notebook");
  assert.deepEqual(made.map((a) => [a.subjects[0], a.predicates[0], a.contexts[0]]), [
    [hash, "authored_by", "Ada Lovelace <ada@example.org>"],
    ["src/gc.ts", "modified_in", hash],
    ["README.md", "modified_in", hash],
  ]);
  assert.ok(made.every((a) => a.timestamp === 1000 && a.actors[0] === "code-ingest"));
});
