import assert from "node:assert/strict";
import { markWholeBody, wholeBodyOf } from "./whole_body.ts";

Deno.test("wholeBodyOf - the bytes a response was built from, until its body is read", async () => {
  const bytes = new TextEncoder().encode("hello");
  const response = markWholeBody(new Response(bytes), bytes);
  assert.equal(wholeBodyOf(response), bytes);
  assert.equal(wholeBodyOf(new Response(bytes)), undefined, "not noted");
  await response.text();
  assert.equal(wholeBodyOf(response), undefined, "read already: the bytes are not sent twice");
});
