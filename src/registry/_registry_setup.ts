/** Shared set-up of the registry tests. Private to this folder. */
import assert from "node:assert/strict";
import { JsonLogger, memorySink } from "../log/mod.ts";
import type { StateChange } from "./events.ts";
import { RegistryError, type RegistryErrorCode } from "./errors.ts";
import type { RegistryOptions } from "./entry.ts";
import { newRegistry } from "./registry.ts";

export function setup(hostVersion = "1.2.0", options: RegistryOptions = {}) {
  const sink = memorySink();
  const registry = newRegistry(hostVersion, new JsonLogger("registry", { sink, level: "debug" }), {
    deadlines: { initialize: 1000, shutdown: 1000, health: 1000, call: 1000 },
    ...options,
  });
  const changes: StateChange[] = [];
  registry.onStateChange((change) => changes.push(change));
  return { registry, changes, logs: sink.records };
}

export async function rejectsWith(
  promise: Promise<unknown> | (() => unknown),
  code: RegistryErrorCode,
  message: RegExp,
) {
  const run = typeof promise === "function" ? async () => await promise() : () => promise;
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${error}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

export function transitions(changes: StateChange[], plugin?: string): string[] {
  return changes.filter((change) => !plugin || change.plugin === plugin)
    .map((change) => `${change.plugin}:${change.from ?? "new"}->${change.to}`);
}
