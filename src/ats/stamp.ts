import type { Attestation } from "../plugin/mod.ts";
import { ulid } from "./ulid.ts";
import type { ValidCommand } from "./validation.ts";

/** Who writes an attestation: the host sets `source` and `source_version` from it, always. */
export interface Writer {
  plugin: string;
  version: string;
}

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Refuses an id a client chose that the store does not take (QNTX's `CreateAttestation`). */
export function checkClientId(id: string): void {
  if (!CLIENT_ID.test(id)) {
    throw new RangeError(
      `attestation id "${id.slice(0, 128)}" must be 1 to 128 letters, digits, _ . : or -`,
    );
  }
}

/** The attestation a command makes: the host sets the id, source and times, always. */
export function stampAttestation(
  command: ValidCommand,
  writer: Writer,
  createdAt: number,
  id?: string,
): Attestation {
  return {
    id: id ?? `A${ulid(createdAt)}`,
    subjects: command.subjects,
    predicates: command.predicates,
    contexts: command.contexts,
    actors: command.actors,
    timestamp: command.timestamp ?? createdAt,
    source: writer.plugin,
    attributes: { ...command.attributes, source_version: writer.version },
    createdAt,
  };
}
