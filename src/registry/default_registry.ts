import type { DomainPlugin } from "../plugin/mod.ts";
import type { Registry } from "./registry.ts";

let defaultRegistry: Registry | undefined;

/** Makes `registry` the one the global helpers use. A second call throws: there is one host. */
export function setDefaultRegistry(registry: Registry): void {
  if (defaultRegistry) {
    throw new Error("the default registry is already set; a host has exactly one registry");
  }
  defaultRegistry = registry;
}

function current(): Registry {
  if (!defaultRegistry) {
    throw new Error("no default registry: call setDefaultRegistry() when the host starts");
  }
  return defaultRegistry;
}

/** Registers `plugin` with the default registry. */
export function register(plugin: DomainPlugin): void {
  current().register(plugin);
}

/** The plugin registered under `name` in the default registry. */
export function get(name: string): DomainPlugin | undefined {
  return current().get(name);
}

/** Names registered in the default registry, sorted. */
export function list(): string[] {
  return current().list();
}
