import assert from "node:assert/strict";
import fc from "fast-check";
import { HTTPRequest, HTTPResponse } from "./gen/protocol/domain.ts";
import {
  readRequestHead,
  readResponseHead,
  writeRequestHead,
  writeResponseHead,
} from "./http_head.ts";
import { WireWriter } from "./wire_bytes.ts";
import { decodeDataFrame } from "./websocket_frames.ts";

// Any text, long enough that some lengths need two-byte varints, and header-safe text.
const text = fc.string({ unit: "binary", maxLength: 300 });
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const value = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode) })
  .map((s) => s.trim());
const wireHeader = fc.record({ name: text, values: fc.array(text, { maxLength: 3 }) })
  .map(({ name, values }) => ({ name, values }));
const bytes = fc.uint8Array({ maxLength: 400 });

function written(write: (out: WireWriter) => void): Uint8Array {
  const out = new WireWriter(8); // small, so writing grows it
  write(out);
  return out.bytes;
}

Deno.test("writeRequestHead() writes what the generated HTTPRequest decoder reads", () => {
  fc.assert(
    fc.property(text, text, fc.array(wireHeader, { maxLength: 5 }), bytes, (m, p, hs, body) => {
      const head = { method: m, path: p, headers: hs, body };
      assert.deepEqual(HTTPRequest.decode(written((out) => writeRequestHead(out, head))), head);
    }),
  );
});

Deno.test("readRequestHead() reads what the generated HTTPRequest encoder writes", () => {
  fc.assert(
    fc.property(text, text, fc.array(wireHeader, { maxLength: 5 }), bytes, (m, p, hs, body) => {
      const head = readRequestHead(
        HTTPRequest.encode({ method: m, path: p, headers: hs, body }).finish(),
      );
      assert.equal(head.method, m);
      assert.equal(head.path, p);
      assert.deepEqual(head.headers, hs.flatMap((h) => h.values.map((v) => [h.name, v])));
      assert.deepEqual(head.body ?? new Uint8Array(0), body);
      const host = hs.find((h) => h.name.toLowerCase() === "host" && h.values.length > 0);
      assert.equal(head.host, host?.values[0]);
    }),
  );
});

Deno.test("writeResponseHead() keeps every header of a web response, Set-Cookie apart", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -5, max: 999 }),
      fc.array(fc.tuple(token, value), { maxLength: 6 }),
      fc.array(value, { maxLength: 3 }),
      bytes,
      (status, pairs, cookies, body) => {
        const headers = new Headers(pairs);
        for (const cookie of cookies) headers.append("set-cookie", cookie);
        const decoded = HTTPResponse.decode(
          written((out) => writeResponseHead(out, status, headers, body)),
        );
        assert.equal(decoded.statusCode, status);
        assert.deepEqual(decoded.body, body);
        const back = new Headers();
        for (const { name, values } of decoded.headers) {
          for (const v of values) back.append(name, v);
        }
        // Appending trims a value's ends, so compare with the headers appended the same way
        // ("a: !" and "a: " combine to "!, ", which comes back as "!,").
        const expected = new Headers();
        for (const [name, v] of headers) {
          if (name !== "set-cookie") expected.append(name, v);
        }
        for (const cookie of headers.getSetCookie()) expected.append("set-cookie", cookie);
        assert.deepEqual([...back], [...expected]);
        assert.deepEqual(back.getSetCookie(), expected.getSetCookie());
      },
    ),
  );
});

Deno.test("readResponseHead() reads what the generated HTTPResponse encoder writes", () => {
  fc.assert(
    fc.property(fc.integer(), fc.array(wireHeader, { maxLength: 5 }), bytes, (s, hs, body) => {
      const head = readResponseHead(
        HTTPResponse.encode({ statusCode: s, headers: hs, body }).finish(),
      );
      assert.deepEqual(head, { status: s, headers: hs, body });
    }),
  );
});

Deno.test("the head readers pass over fields they do not know", () => {
  const known = HTTPResponse.encode({ statusCode: 201, headers: [], body: new Uint8Array([7]) })
    .finish();
  // field 9 as a varint, a fixed64, a length-delimited and a fixed32 field
  const unknown = [0x48, 0x96, 0x01, 0x49, 1, 2, 3, 4, 5, 6, 7, 8, 0x4a, 2, 9, 9, 0x4d, 1, 2, 3, 4];
  const head = readResponseHead(new Uint8Array([...unknown, ...known]));
  assert.equal(head.status, 201);
  assert.deepEqual(head.body, new Uint8Array([7]));
});

Deno.test("the head readers refuse truncated and malformed bytes with a RangeError", async (t) => {
  const whole = HTTPRequest.encode({
    method: "POST",
    path: "/x",
    headers: [{ name: "a", values: ["b"] }],
    body: new Uint8Array([1, 2, 3]),
  }).finish();
  for (let cut = 1; cut < whole.byteLength; cut++) {
    const part = whole.subarray(0, cut);
    // A cut between two fields is a valid, shorter message; any other cut must throw.
    let valid = false;
    try {
      HTTPRequest.decode(part);
      valid = true;
    } catch {
      // the generated decoder refuses it too
    }
    if (valid) continue;
    await t.step(`cut after ${cut} bytes`, () => {
      assert.throws(() => readRequestHead(part), RangeError);
    });
  }
  await t.step("an eleven-byte varint", () => {
    assert.throws(() => readResponseHead(new Uint8Array(11).fill(0x80)), RangeError);
  });
  await t.step("a group wire type", () => {
    assert.throws(() => readResponseHead(new Uint8Array([0x4b])), RangeError);
  });
});

Deno.test("readRequestHead() decodes repeated and look-alike strings each as what they are", () => {
  // Recent strings are reused by a hash of their bytes; equal hashes must not mix them up.
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", "b", "ab", "ba", "Aa", "BB", "é", "x-y"), {
        maxLength: 40,
      }),
      (names) => {
        const headers = names.map((name) => ({ name, values: [name + name] }));
        const head = readRequestHead(
          HTTPRequest.encode({ method: "", path: "", headers, body: new Uint8Array() }).finish(),
        );
        assert.deepEqual(head.headers, names.map((name) => [name, name + name]));
      },
    ),
  );
});

Deno.test("strings that begin with U+FEFF keep it, in heads and in WebSocket messages", () => {
  const headers = [{ name: "x-bom", values: ["\uFEFFvalue"] }];
  const head = readResponseHead(
    HTTPResponse.encode({ statusCode: 200, headers, body: new Uint8Array() }).finish(),
  );
  assert.deepEqual(head.headers, headers);
  const message = new TextEncoder().encode("\uFEFFhello");
  assert.equal(decodeDataFrame(message, "text"), "\uFEFFhello");
  assert.equal(decodeDataFrame(message, undefined), "\uFEFFhello");
});
