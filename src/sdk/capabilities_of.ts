import { CAPABILITIES, type Capability } from "../protocol/wire.ts";
import type { PluginDefinition } from "./definition.ts";

/** The capabilities a definition has, as announced in Metadata. */
export function capabilitiesOf(definition: PluginDefinition): Capability[] {
  // The SDK calls `initialize` again with `{ reconfigure: true }`: the plugin applies it.
  const found: Capability[] = [CAPABILITIES.reconfigure];
  if (definition.pause && definition.resume) found.push(CAPABILITIES.pause);
  if (definition.configSchema) found.push(CAPABILITIES.configSchema);
  if (definition.jobs && Object.keys(definition.jobs).length > 0) found.push(CAPABILITIES.jobs);
  if (definition.websocket && Object.keys(definition.websocket).length > 0) {
    found.push(CAPABILITIES.websocket);
  }
  if (definition.fetch || definition.routes?.length) found.push(CAPABILITIES.http);
  return found;
}
