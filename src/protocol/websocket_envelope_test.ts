import assert from "node:assert/strict";
import { encodeEnvelope, parseEnvelope } from "./websocket_envelope.ts";

Deno.test("parseEnvelope() takes QNTX's browser envelopes and says why it refuses others", () => {
  const hello = parseEnvelope(JSON.stringify({ type: 1, data: btoa("hi"), headers: { a: "b" } }));
  assert.ok(typeof hello !== "string");
  assert.deepEqual([hello.type, new TextDecoder().decode(hello.data), hello.headers], [
    1,
    "hi",
    { a: "b" },
  ]);
  assert.deepEqual(parseEnvelope('{"type":3}'), { type: 3, data: new Uint8Array(), headers: {} });
  const refusals: [string, RegExp][] = [
    ["nope", /not JSON/],
    ["[1]", /not a JSON object/],
    ['{"type":0}', /type must be/],
    ['{"type":5}', /type must be/],
    ['{"type":"1"}', /type must be/],
    ['{"type":1,"data":"%%%"}', /not base64/],
    ['{"type":1,"data":7}', /base64 string/],
    ['{"type":1,"headers":[]}', /headers must be an object/],
    ['{"type":1,"headers":{"a":1}}', /header "a" must be a string/],
  ];
  for (const [text, reason] of refusals) {
    const parsed = parseEnvelope(text);
    assert.equal(typeof parsed, "string", text);
    assert.match(parsed as string, reason, text);
  }
});

Deno.test("encodeEnvelope() writes a frame as QNTX's browser side reads it", () => {
  const text = encodeEnvelope(1, new Uint8Array([0, 255, 104, 105]), { opcode: "binary" }, 5n);
  assert.deepEqual(JSON.parse(text), {
    type: 1,
    data: btoa(String.fromCharCode(0, 255, 104, 105)),
    headers: { opcode: "binary" },
    timestamp: 5,
  });
  assert.equal(JSON.parse(encodeEnvelope(1, new Uint8Array(), {}, 0n)).headers, undefined);
});
