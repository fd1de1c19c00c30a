import * as grpc from "@grpc/grpc-js";
import { type AttestationRecords, checkCommand, LIMITS } from "../ats/mod.ts";
import type { Attestation, AttestationFilter, Logger } from "../plugin/mod.ts";
import { ats } from "../protocol/mod.ts";
import { guard } from "./guarded.ts";
import { INVALID_TOKEN, type TokenOwners } from "./tokens.ts";

/** An attestation on the wire. */
export function toWireAttestation(attestation: Attestation): ats.Attestation {
  return {
    id: attestation.id,
    subjects: attestation.subjects,
    predicates: attestation.predicates,
    contexts: attestation.contexts,
    actors: attestation.actors,
    timestamp: BigInt(attestation.timestamp),
    source: attestation.source,
    attributes: attestation.attributes,
    createdAt: BigInt(attestation.createdAt),
    signature: attestation.signature ?? new Uint8Array(),
    signerDid: attestation.signerDid ?? "",
  };
}

/** A command from the wire, in the shape the store validates (numbers, not bigints). */
function fromWireCommand(command: ats.AttestationCommand): unknown {
  return {
    subjects: command.subjects,
    predicates: command.predicates,
    contexts: command.contexts,
    actors: command.actors,
    ...(command.timestamp === undefined ? {} : { timestamp: Number(command.timestamp) }),
    ...(command.attributes === undefined ? {} : { attributes: command.attributes }),
  };
}

function fromWireFilter(filter: ats.AttestationFilter | undefined): AttestationFilter {
  const result: AttestationFilter = {
    subjects: filter?.subjects ?? [],
    predicates: filter?.predicates ?? [],
    contexts: filter?.contexts ?? [],
    actors: filter?.actors ?? [],
  };
  if (filter?.timeStart !== undefined) result.timeStart = Number(filter.timeStart);
  if (filter?.timeEnd !== undefined) result.timeEnd = Number(filter.timeEnd);
  if (filter?.limit !== undefined) result.limit = filter.limit;
  return result;
}

/**
 * `ATSStoreService` for plugin processes. The token decides who writes: `source` and
 * `attributes.source_version` come from it, never from the request. A wrong token, a missing
 * command or a malformed one is an answer with `success=false` and the reason, never a crash.
 */
export function atsService(
  store: AttestationRecords,
  tokens: TokenOwners,
  logger: Logger,
): ats.ATSStoreServiceServer {
  const guarded = guard(tokens, logger, "attestation store", () => false);

  return {
    generateAndCreateAttestation: guarded<
      ats.GenerateAttestationRequest,
      ats.GenerateAttestationResponse
    >(
      (error) => ({ success: false, error, attestation: undefined }),
      async (request, caller) => {
        if (!request.command) {
          return { success: false, error: "command is required", attestation: undefined };
        }
        const checked = checkCommand(fromWireCommand(request.command));
        if (!checked.ok) {
          return { success: false, error: checked.problems.join("; "), attestation: undefined };
        }
        return {
          success: true,
          error: "",
          attestation: toWireAttestation(await store.create(checked.command, caller)),
        };
      },
    ),
    batchGenerateAndCreateAttestations: guarded<
      ats.BatchGenerateAttestationRequest,
      ats.BatchGenerateAttestationResponse
    >(
      (error) => ({ success: false, error, created: 0 }),
      async (request, caller) => {
        if (request.commands.length > LIMITS.batch) {
          return {
            success: false,
            error: `a batch holds at most ${LIMITS.batch} commands`,
            created: 0,
          };
        }
        const valid = [];
        for (const [index, command] of request.commands.entries()) {
          const checked = checkCommand(fromWireCommand(command));
          if (!checked.ok) {
            return {
              success: false,
              error: `command ${index}: ${checked.problems.join("; ")}`,
              created: 0,
            };
          }
          valid.push(checked.command);
        }
        return { success: true, error: "", created: await store.createMany(valid, caller) };
      },
    ),
    getAttestations: guarded<ats.GetAttestationsRequest, ats.GetAttestationsResponse>(
      (error) => ({ success: false, error, attestations: [] }),
      async (request) => ({
        success: true,
        error: "",
        attestations: (await store.query(fromWireFilter(request.filter))).attestations.map(
          toWireAttestation,
        ),
      }),
    ),
    attestationExists: (call, callback) => {
      // The answer has no error field: an unknown token learns nothing, so it sees "no".
      const caller = tokens.owner(call.request.authToken);
      if (!caller) return callback(null, { exists: false });
      store.exists(call.request.id).then(
        (exists) => callback(null, { exists }),
        (error) => {
          logger.error("attestation store call failed", { plugin: caller.plugin, error });
          callback(null, { exists: false });
        },
      );
    },
    createAttestation: guarded<ats.CreateAttestationRequest, ats.CreateAttestationResponse>(
      (error) => ({ success: false, error }),
      async (request, caller) => {
        const given = request.attestation;
        if (!given) return { success: false, error: "attestation is required" };
        const checked = checkCommand(
          fromWireCommand({ ...given, timestamp: given.timestamp, source: "", sourceVersion: "" }),
        );
        if (!checked.ok) return { success: false, error: checked.problems.join("; ") };
        // As QNTX's host does, the client's id is kept (callers hand it back); a taken one is
        // refused. Without one, the host makes it.
        try {
          await store.create(checked.command, caller, given.id === "" ? undefined : given.id);
        } catch (error) {
          if (error instanceof RangeError) return { success: false, error: error.message };
          throw error;
        }
        return { success: true, error: "" };
      },
    ),
    getAttestationsStream: (call) => {
      const caller = tokens.owner(call.request.authToken);
      if (!caller) {
        // grpc-js ends a server stream with a status only once the handler has returned.
        setTimeout(
          () => call.emit("error", { code: grpc.status.PERMISSION_DENIED, details: INVALID_TOKEN }),
          0,
        );
        return;
      }
      streamPages(call, store, fromWireFilter(call.request.filter)).catch((error) => {
        logger.error("attestation stream failed", { plugin: caller.plugin, error });
        call.destroy(error);
      });
    },
  };
}

/** Writes every match, page by page, waiting when the client reads slowly. */
async function streamPages(
  call: grpc.ServerWritableStream<ats.GetAttestationsRequest, ats.Attestation>,
  store: AttestationRecords,
  filter: AttestationFilter,
): Promise<void> {
  const total = filter.limit;
  let sent = 0;
  let cursor;
  while (!call.cancelled) {
    const page = await store.query({
      ...filter,
      limit: Math.min(1000, total === undefined ? 1000 : total - sent),
    }, cursor);
    for (const attestation of page.attestations) {
      if (!call.write(toWireAttestation(attestation))) {
        await new Promise((resolve) => call.once("drain", resolve));
      }
      sent++;
    }
    if (!page.next || (total !== undefined && sent >= total)) break;
    cursor = page.next;
  }
  call.end();
}
