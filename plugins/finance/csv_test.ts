import assert from "node:assert/strict";
import { CsvError, parsePriceCsv } from "./csv.ts";

Deno.test("parsePriceCsv() reads the long layout in any row order", () => {
  const series = parsePriceCsv(
    "date,symbol,close\n2024-01-03,acme,110\n2024-01-02,ACME,100\n\n# a comment\n" +
      "2024-01-02,BOLT,50\r\n2024-01-04,ACME,99\n",
  );
  assert.deepEqual([...series.keys()], ["ACME", "BOLT"]);
  assert.deepEqual(series.get("ACME"), {
    symbol: "ACME",
    dates: ["2024-01-02", "2024-01-03", "2024-01-04"],
    closes: [100, 110, 99],
  });
});

Deno.test("parsePriceCsv() reads the wide layout, an empty cell meaning no price", () => {
  const series = parsePriceCsv("Date,ACME,BOLT\n2024-01-02,100,50\n2024-01-03,110,\n");
  assert.deepEqual(series.get("ACME")?.closes, [100, 110]);
  assert.deepEqual(series.get("BOLT")?.dates, ["2024-01-02"]);
});

Deno.test("parsePriceCsv() names the line and column of a bad field", async (t) => {
  const cases: [string, string, RegExp, number, number?][] = [
    [
      "a price that is not a number",
      "date,symbol,close\n2024-01-02,ACME,abc",
      /line 2, column 3 \(close\): "abc" is not a number/,
      2,
      3,
    ],
    [
      "a negative price",
      "date,ACME\n2024-01-02,-5",
      /line 2, column 2 \(ACME\): a price must be positive/,
      2,
      2,
    ],
    [
      "a bad date",
      "date,ACME\n2024-02-30,5",
      /line 2, column 1 \(date\): "2024-02-30" is not a date/,
      2,
      1,
    ],
    [
      "a row too short",
      "date,symbol,close\n2024-01-02,ACME",
      /line 2: expected 3 fields like the header, got 2/,
      2,
    ],
    [
      "a second price for a day",
      "date,ACME\n2024-01-02,1\n\n2024-01-02,2",
      /line 4: ACME has a second price for 2024-01-02 \(first on line 2\)/,
      4,
    ],
    [
      "a header without a date",
      "when,ACME\n2024-01-02,1",
      /line 1: the header must be date,symbol,close/,
      1,
    ],
    [
      "a bad symbol",
      "date,symbol,close\n2024-01-02,A CME,1",
      /line 2, column 2 \(symbol\): "A CME" is not a symbol/,
      2,
      2,
    ],
    ["a repeated column", "date,ACME,acme\n2024-01-02,1,2", /symbol ACME appears twice/, 1],
    ["quotes", 'date,ACME\n"2024-01-02",1', /line 2: quoted fields are not supported/, 2],
    ["no rows", "date,ACME\n", /no price rows/, 1],
    ["nothing at all", "  \n", /no header line/, 1],
  ];
  for (const [name, text, message, line, column] of cases) {
    await t.step(`${name} is a CsvError`, () => {
      let caught: unknown;
      try {
        parsePriceCsv(text, "upload");
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof CsvError, `no CsvError: ${caught}`);
      assert.match(caught.message, message);
      assert.match(caught.message, /^upload: /);
      assert.equal(caught.line, line);
      assert.equal(caught.column, column);
    });
  }
});
