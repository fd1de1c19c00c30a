import assert from "node:assert/strict";
import { CompressionError, HpackDecoder, HpackEncoder } from "./hpack.ts";
import { huffmanDecode } from "./huffman.ts";

const hex = (text: string) =>
  new Uint8Array(text.replace(/\s/g, "").match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);

function decodeAll(decoder: HpackDecoder, block: Uint8Array): [string, string][] {
  const fields: [string, string][] = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

const REQUESTS: [string, [string, string][]][] = [
  [":method GET, :scheme http, :path /, :authority www.example.com", [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ]],
  ["the same, :authority from the dynamic table, cache-control added", [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ]],
  ["https, /index.html, a custom field added to the table", [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ]],
];

Deno.test("HpackDecoder - decodes RFC 7541 C.3, requests without Huffman, one table for all", () => {
  const blocks = [
    "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    "8286 84be 5808 6e6f 2d63 6163 6865",
    "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
  ];
  const decoder = new HpackDecoder();
  blocks.forEach((block, i) => assert.deepEqual(decodeAll(decoder, hex(block)), REQUESTS[i]![1]));
});

Deno.test("HpackDecoder - decodes RFC 7541 C.4, the same requests Huffman-coded", () => {
  const blocks = [
    "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    "8286 84be 5886 a8eb 1064 9cbf",
    "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
  ];
  const decoder = new HpackDecoder();
  blocks.forEach((block, i) => assert.deepEqual(decodeAll(decoder, hex(block)), REQUESTS[i]![1]));
});

Deno.test("HpackDecoder - evicts the oldest entries when a table size update shrinks it", () => {
  const decoder = new HpackDecoder();
  decodeAll(decoder, hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
  // Size 0 empties the table: index 62 no longer exists.
  assert.deepEqual(decodeAll(decoder, hex("20 82")), [[":method", "GET"]]);
  assert.throws(() => decodeAll(decoder, hex("be")), CompressionError);
});

Deno.test("HpackDecoder - refuses blocks that are not HPACK, naming why", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["index 0", "80", /no table entry 0/],
    ["an index past the tables", "ff 00", /no table entry 127/],
    ["a size update after a field", "82 20", /size update after a field/],
    ["a size update above the limit", "3f e2 1f", /table size 4097 above 4096/],
    ["an integer cut short", "ff", /cut short/],
    ["an integer above 2^28", "ff ff ff ff ff ff 01", /above 2\^28/],
    ["a string past its block", "00 05 61 62", /runs past/],
    ["a Huffman string with bad padding", "00 81 00 00", /padding/],
  ];
  for (const [name, bytes, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => new HpackDecoder().decode(hex(bytes), () => {}), (error: Error) => {
        assert.ok(error instanceof CompressionError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("HpackDecoder - reports fields up to the list size and says the rest was dropped", () => {
  const block = new HpackEncoder().literal("a", "x".repeat(100)).literal("b", "y").finish();
  const fields: string[] = [];
  const { truncated } = new HpackDecoder().decode(block, (name) => fields.push(name), 140);
  assert.deepEqual(fields, ["a"]);
  assert.equal(truncated, true);
});

Deno.test("HpackEncoder - writes literals the decoder reads back, long values included", () => {
  const long = "v".repeat(300);
  const block = new HpackEncoder()
    .indexed(3)
    .indexedName(4, "/protocol.DomainPluginService/HandleHTTP")
    .indexedName(31, "application/grpc")
    .literal("te", "trailers")
    .literal("x-long", long)
    .finish();
  assert.deepEqual(decodeAll(new HpackDecoder(), block), [
    [":method", "POST"],
    [":path", "/protocol.DomainPluginService/HandleHTTP"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["x-long", long],
  ]);
});

Deno.test("huffmanDecode - decodes RFC 7541's examples and refuses EOS inside a string", () => {
  const text = (bytes: string) => new TextDecoder().decode(huffmanDecode(hex(bytes)));
  assert.equal(text("f1e3 c2e5 f23a 6ba0 ab90 f4ff"), "www.example.com");
  assert.equal(text("a8eb 1064 9cbf"), "no-cache");
  assert.equal(text("25a8 49e9 5ba9 7d7f"), "custom-key");
  assert.equal(text(""), "");
  // EOS is thirty ones; four bytes of ones hold it.
  assert.throws(() => huffmanDecode(hex("ff ff ff ff")), /EOS|padding/);
});
