import type { ConfigField, ConfigFieldType, ConfigSchema, Metadata } from "../plugin/mod.ts";
import { CAPABILITIES, type domain } from "../protocol/mod.ts";
import type { PluginTraits } from "../registry/mod.ts";

/** The metadata a plugin process announced, as the contract types it. */
export function toMetadata(wire: domain.MetadataResponse): Metadata {
  return {
    name: wire.name,
    version: wire.version,
    qntxVersion: wire.qntxVersion,
    description: wire.description,
    author: wire.author,
    license: wire.license,
  };
}

const FIELD_TYPES = new Set(["string", "number", "boolean", "array"]);

/** A schema from the wire (values as strings) back into typed fields; unknown types read as string. */
export function toConfigSchema(wire: domain.ConfigSchemaResponse): ConfigSchema {
  const schema: ConfigSchema = {};
  for (const [key, field] of Object.entries(wire.fields)) {
    const type = (FIELD_TYPES.has(field.type) ? field.type : "string") as ConfigFieldType;
    const typed: ConfigField = { type, description: field.description, required: field.required };
    if (field.defaultValue !== "") typed.defaultValue = readDefault(type, field.defaultValue);
    if (field.minValue !== "" && Number.isFinite(Number(field.minValue))) {
      typed.minValue = Number(field.minValue);
    }
    if (field.maxValue !== "" && Number.isFinite(Number(field.maxValue))) {
      typed.maxValue = Number(field.maxValue);
    }
    if (field.pattern !== "") typed.pattern = field.pattern;
    if (field.secret) typed.secret = true;
    if (FIELD_TYPES.has(field.elementType) && field.elementType !== "array") {
      typed.elementType = field.elementType as Exclude<ConfigFieldType, "array">;
    }
    schema[key] = typed;
  }
  return schema;
}

function readDefault(type: ConfigFieldType, text: string): unknown {
  if (type === "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What a process said it can do: pause and resume when it announced the capability. */
export function toTraits(wire: domain.MetadataResponse): PluginTraits {
  return { pausable: wire.capabilities.includes(CAPABILITIES.pause), configurable: true };
}
