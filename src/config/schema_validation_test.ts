import assert from "node:assert/strict";
import type { ConfigSchema } from "../plugin/mod.ts";
import { validateConfig } from "./schema_validation.ts";

const SCHEMA: ConfigSchema = {
  genome: { type: "string", description: "", required: true, pattern: "[A-Za-z0-9]+" },
  threads: { type: "number", description: "", minValue: 1, maxValue: 64, defaultValue: 4 },
  fast: { type: "boolean", description: "" },
  tags: { type: "array", description: "", elementType: "string", maxValue: 3, pattern: "[a-z]+" },
  ports: { type: "array", description: "", elementType: "number", minValue: 1 },
  "blast.db": { type: "string", description: "" },
  key: { type: "string", description: "", required: true, defaultValue: "x" },
};

Deno.test("validateConfig() names each problem by its key", () => {
  const rows: [Record<string, unknown>, Record<string, string>][] = [
    [{ genome: "GRCh38" }, {}],
    [{ genome: "GRCh38", threads: "8", fast: "yes", tags: "a,b", ports: [80] }, {}],
    [{ genome: "env:GENOME" }, {}],
    [{ threads: 4 }, { genome: "required" }],
    [{ genome: "" }, { genome: "required" }],
    [{ genome: "GRC h38" }, { genome: '"GRC h38" does not match the pattern [A-Za-z0-9]+' }],
    [{ genome: 38 }, { genome: "expected a string, got 38" }],
    [{ genome: "g", threads: 0 }, { threads: "the value 0 is below the minimum 1" }],
    [{ genome: "g", threads: 65 }, { threads: "the value 65 is above the maximum 64" }],
    [{ genome: "g", threads: "many" }, { threads: 'expected a number, got "many"' }],
    [{ genome: "g", fast: "maybe" }, { fast: 'expected true or false, got "maybe"' }],
    [{ genome: "g", tags: ["a", "b", "c", "d"] }, {
      tags: "the list's length 4 is above the maximum 3",
    }],
    [{ genome: "g", tags: ["a", "B"] }, { tags: 'item 1: "B" does not match the pattern [a-z]+' }],
    [{ genome: "g", ports: [] }, { ports: "the list's length 0 is below the minimum 1" }],
    [{ genome: "g", ports: ["80", "http"] }, { ports: 'item 1: expected a number, got "http"' }],
    [{ genome: "g", tags: 5 }, { tags: "expected a list, got 5" }],
    [
      { genome: "g", colour: "red" },
      {
        colour:
          "unknown setting; the plugin's settings are blast.db, fast, genome, key, ports, tags, threads",
      },
    ],
  ];
  for (const [values, errors] of rows) {
    assert.deepEqual(validateConfig(SCHEMA, values), errors, JSON.stringify(values));
  }
});

Deno.test("validateConfig() accepts anything without a schema and reports a broken pattern", () => {
  assert.deepEqual(validateConfig({}, { anything: 1 }), {});
  assert.deepEqual(
    validateConfig({ p: { type: "string", description: "", pattern: "(" } }, { p: "x" }),
    {
      p: 'the plugin\'s pattern "(" is not a regular expression: Invalid regular expression: /^(?:()$/u: Unterminated group',
    },
  );
});

Deno.test("validateConfig() checks what a granted env: value resolves to, never quoting it", () => {
  const secret = "Not A Genome 123!";
  const env: Record<string, string> = {
    GENOME: secret,
    THREADS: "99",
    FAST: "perhaps-secret",
    TAGS: "a,SECRET-TAG",
    MANY: "a,b,c,d",
    GOOD: "GRCh38",
  };
  const resolve = (variable: string) => env[variable];
  const rows: [Record<string, unknown>, Record<string, string>][] = [
    [{ genome: "env:GOOD" }, {}],
    [{ genome: "env:UNSET" }, {}],
    [{ genome: "env:GENOME" }, {
      genome: "the value of environment variable GENOME (not shown) does not match the pattern " +
        "[A-Za-z0-9]+",
    }],
    [{ genome: "g", threads: "env:THREADS" }, {
      threads: "the value in environment variable THREADS is above the maximum 64",
    }],
    [{ genome: "g", fast: "env:FAST" }, {
      fast: "expected true or false, got the value of environment variable FAST (not shown)",
    }],
    [{ genome: "g", tags: "env:TAGS" }, {
      tags: "item 1: an item of environment variable TAGS (not shown) does not match the " +
        "pattern [a-z]+",
    }],
    [{ genome: "g", tags: "env:MANY" }, {
      tags: "the list's length in environment variable MANY is above the maximum 3",
    }],
  ];
  for (const [values, errors] of rows) {
    const found = validateConfig(SCHEMA, values, resolve);
    assert.deepEqual(found, errors, JSON.stringify(values));
    for (const text of [secret, "99", "perhaps-secret", "SECRET-TAG"]) {
      assert.ok(!JSON.stringify(found).includes(text), `${text} leaked`);
    }
  }
  // Without a resolver (the API's check before writing), a reference passes as it is.
  assert.deepEqual(validateConfig(SCHEMA, { genome: "env:GENOME" }), {});
});
