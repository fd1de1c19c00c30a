import type {
  Attestation,
  AttestationCommand,
  AttestationFilter,
  AttestationStore as StoreContract,
} from "../plugin/mod.ts";
import type { AttestationStore, Writer } from "./attestation_store.ts";
import { checkCommand, type ValidCommand } from "./validation.ts";

function valid(command: AttestationCommand, index?: number): ValidCommand {
  const checked = checkCommand(command);
  if (checked.ok) return checked.command;
  throw new TypeError(
    `${index === undefined ? "" : `command ${index}: `}${checked.problems.join("; ")}`,
  );
}

/** The store as an in-process caller sees it (the `plugin` contract), writing as `writer`. */
export function localAttestationStore(store: AttestationStore, writer: Writer): StoreContract {
  return {
    generateAndCreate: (command) =>
      Promise.resolve().then(() => store.create(valid(command), writer)),
    batchGenerateAndCreate: (commands) =>
      Promise.resolve().then(() =>
        store.createMany(commands.map((command, i) => valid(command, i)), writer)
      ),
    get: (filter: AttestationFilter): Promise<Attestation[]> =>
      Promise.resolve(store.query(filter).attestations),
    exists: (id) => Promise.resolve(store.exists(id)),
  };
}
