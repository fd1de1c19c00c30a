import type {
  Attestation,
  AttestationCommand,
  AttestationFilter,
  AttestationStore as StoreContract,
} from "../plugin/mod.ts";
import type { AttestationRecords } from "./attestation_records.ts";
import type { Writer } from "./stamp.ts";
import { checkCommand, type ValidCommand } from "./validation.ts";

function valid(command: AttestationCommand, index?: number): ValidCommand {
  const checked = checkCommand(command);
  if (checked.ok) return checked.command;
  throw new TypeError(
    `${index === undefined ? "" : `command ${index}: `}${checked.problems.join("; ")}`,
  );
}

/** The store as an in-process caller sees it (the `plugin` contract), writing as `writer`. */
export function localAttestationStore(store: AttestationRecords, writer: Writer): StoreContract {
  return {
    generateAndCreate: (command) =>
      Promise.resolve().then(() => store.create(valid(command), writer)),
    batchGenerateAndCreate: (commands) =>
      Promise.resolve().then(() =>
        store.createMany(commands.map((command, i) => valid(command, i)), writer)
      ),
    get: async (filter: AttestationFilter): Promise<Attestation[]> =>
      (await store.query(filter)).attestations,
    exists: (id) => store.exists(id),
  };
}
