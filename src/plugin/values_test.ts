import assert from "node:assert/strict";
import {
  parseBool,
  parseDuration,
  parseInteger,
  parseSize,
  parseStringList,
  stringOf,
} from "./values.ts";

Deno.test("parseBool() reads true/false, 1/0, yes/no, on/off in any case", async (t) => {
  const rows: [unknown, boolean | undefined][] = [
    [true, true],
    [false, false],
    ["true", true],
    ["TRUE", true],
    [" Yes ", true],
    ["on", true],
    ["1", true],
    [1, true],
    ["false", false],
    ["No", false],
    ["OFF", false],
    ["0", false],
    [0, false],
    ["maybe", undefined],
    ["", undefined],
    [2, undefined],
    [null, undefined],
    [["true"], undefined],
  ];
  for (const [input, expected] of rows) {
    await t.step(`${JSON.stringify(input)} reads as ${expected}`, () => {
      assert.equal(parseBool(input), expected);
    });
  }
});

Deno.test("parseInteger() reads integers and integer strings only", async (t) => {
  const rows: [unknown, number | undefined][] = [
    [42, 42],
    ["42", 42],
    [" -7 ", -7],
    ["+3", 3],
    [10n, 10],
    [1.5, undefined],
    ["1.5", undefined],
    ["12abc", undefined],
    ["", undefined],
    ["99999999999999999999", undefined],
    [true, undefined],
  ];
  for (const [input, expected] of rows) {
    await t.step(`${String(input)} reads as ${expected}`, () => {
      assert.equal(parseInteger(input), expected);
    });
  }
});

Deno.test("parseStringList() reads native lists, JSON arrays and comma lists", async (t) => {
  const rows: [unknown, string[] | undefined][] = [
    [["a", "b"], ["a", "b"]],
    [[1, true], ["1", "true"]],
    ['["a","b,c"]', ["a", "b,c"]],
    ["a, b ,,c", ["a", "b", "c"]],
    ["single", ["single"]],
    ["", []],
    ["[not json", ["[not json"]],
    [7, undefined],
  ];
  for (const [input, expected] of rows) {
    await t.step(`${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseStringList(input), expected);
    });
  }
});

Deno.test("parseDuration() needs a unit", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("5s"), 5000);
  assert.equal(parseDuration("1.5m"), 90_000);
  assert.equal(parseDuration(" 2h "), 7_200_000);
  assert.equal(parseDuration("5"), undefined);
  assert.equal(parseDuration(5), undefined);
  assert.equal(parseDuration("5 days"), undefined);
});

Deno.test("parseSize() reads bytes or a binary or decimal unit", () => {
  assert.equal(parseSize(1024), 1024);
  assert.equal(parseSize("2048"), 2048);
  assert.equal(parseSize("512KiB"), 512 * 1024);
  assert.equal(parseSize("16MiB"), 16 * 1024 ** 2);
  assert.equal(parseSize("1gb"), 1_000_000_000);
  assert.equal(parseSize("10 MB"), 10_000_000);
  assert.equal(parseSize("lots"), undefined);
});

Deno.test("stringOf() keeps strings and writes lists and tables as JSON", () => {
  assert.equal(stringOf("x"), "x");
  assert.equal(stringOf(3), "3");
  assert.equal(stringOf(["a", 1]), '["a",1]');
  assert.equal(stringOf({ a: { b: 1 } }), '{"a":{"b":1}}');
});
