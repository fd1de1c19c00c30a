import assert from "node:assert/strict";
import { type Config, DEFAULT_SETTINGS, readSettings } from "./settings.ts";

/** A Config over a plain record, as the wire gives it (every value a string). */
function config(values: Record<string, string>): Config {
  return {
    getString: (key, fallback = "") => values[key] ?? fallback,
    getInt: (key, fallback = 0) => values[key] === undefined ? fallback : Number(values[key]),
    getNumber: (key, fallback = 0) => values[key] === undefined ? fallback : Number(values[key]),
    getBool: (key, fallback = false) =>
      values[key] === undefined ? fallback : values[key] === "true",
    getStringSlice: () => [],
    get: (key) => values[key],
    set: () => {},
    getKeys: () => Object.keys(values).sort(),
  };
}

Deno.test("readSettings() falls back to the schema's defaults", () => {
  assert.deepEqual(readSettings(config({})), DEFAULT_SETTINGS);
  assert.deepEqual(DEFAULT_SETTINGS, {
    varConfidence: 0.99,
    varWindow: 250,
    rollingWindow: 20,
    annualizationFactor: 252,
    dataDir: "",
    includeSamples: true,
    maxUploadBytes: 1_000_000,
    recomputeIntervalSeconds: 3600,
  });
});

Deno.test("readSettings() reads wire strings", () => {
  const settings = readSettings(
    config({ var_confidence: "0.95", rolling_window: "5", include_samples: "false" }),
  );
  assert.equal(settings.varConfidence, 0.95);
  assert.equal(settings.rollingWindow, 5);
  assert.equal(settings.includeSamples, false);
});

Deno.test("readSettings() names a bad key", () => {
  assert.throws(
    () => readSettings(config({ var_confidence: "1.5" })),
    /var_confidence must be a number from 0.5 to 0.9999, got "1.5"/,
  );
  assert.throws(() => readSettings(config({ rolling_window: "2.5" })), /whole number/);
});
