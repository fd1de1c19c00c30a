import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { fakePlugin } from "./_fake_plugin.ts";
import { get, list, register, setDefaultRegistry } from "./default_registry.ts";
import { newRegistry } from "./registry.ts";

// The default registry is process-wide: this is the only test module that sets it.
Deno.test("the global helpers use the default registry, which can be set only once", () => {
  assert.throws(() => list(), /no default registry: call setDefaultRegistry\(\)/);
  const registry = newRegistry("1.0.0", new JsonLogger("registry", { sink: memorySink() }));
  setDefaultRegistry(registry);
  const plugin = fakePlugin("code");
  register(plugin);
  assert.equal(get("code"), plugin);
  assert.equal(registry.get("code"), plugin);
  assert.deepEqual(list(), ["code"]);
  assert.throws(
    () => setDefaultRegistry(newRegistry("1.0.0", new JsonLogger("x", { sink: memorySink() }))),
    /the default registry is already set; a host has exactly one registry/,
  );
  assert.deepEqual(list(), ["code"]);
});
