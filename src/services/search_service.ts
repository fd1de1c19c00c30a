import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../plugin/mod.ts";
import { search } from "../protocol/mod.ts";
import { INVALID_TOKEN, type TokenOwners } from "./tokens.ts";

/** The plugin serving QNTX's search role now, and its client (on the host's connection to it). */
export interface SearchProvider {
  plugin: string;
  client: search.SearchServiceClient;
}

/** Where calls to the search service go: the provider of the moment, if any. */
export interface SearchProviders {
  current(): SearchProvider | undefined;
  /** Why no provider serves now, for the caller. */
  unavailable(): string;
}

/** The metadata a caller shows its plugin token in: `authorization: Bearer <token>`. */
export const AUTHORIZATION = "authorization";
/** The metadata the provider is told the calling plugin's name in. */
export const CALLER = "x-qntx-caller";
/** The longest a search call may take when the caller set no deadline. */
const DEFAULT_DEADLINE_MS = 30_000;

type Method = "search" | "indexDocuments" | "deleteDocuments" | "configureIndex";

/**
 * QNTX's `SearchService` for plugin processes, passed through to the plugin that declared
 * `search_provider`. QNTX's requests carry no token, and a loopback port is open to every local
 * process, so a caller must show its plugin token as metadata (`authorization: Bearer <token>`);
 * the provider is told who asks (`x-qntx-caller`). No provider: UNAVAILABLE, naming what to do.
 */
export function searchService(
  providers: SearchProviders,
  tokens: TokenOwners,
  logger: Logger,
): search.SearchServiceServer {
  const pass = <Req, Res>(method: Method): grpc.handleUnaryCall<Req, Res> => (call, callback) => {
    const presented = String(call.metadata.get(AUTHORIZATION)[0] ?? "");
    const token = presented.replace(/^Bearer\s+/i, "");
    const caller = token === "" ? undefined : tokens.owner(token);
    if (!caller) {
      return callback({
        code: grpc.status.UNAUTHENTICATED,
        details: presented === ""
          ? "a search call must show the plugin's token as gRPC metadata " +
            `"${AUTHORIZATION}: Bearer <token>" (the auth_token Initialize gave)`
          : INVALID_TOKEN,
      });
    }
    const provider = providers.current();
    if (!provider) {
      return callback({
        code: grpc.status.UNAVAILABLE,
        details: providers.unavailable(),
      });
    }
    const metadata = new grpc.Metadata();
    metadata.set(CALLER, caller.plugin);
    const deadline = call.getDeadline();
    const options = {
      deadline:
        deadline instanceof Date || typeof deadline === "number" && Number.isFinite(deadline)
          ? deadline
          : Date.now() + DEFAULT_DEADLINE_MS,
    };
    const forward = provider.client[method] as unknown as (
      request: Req,
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, response?: Res) => void,
    ) => grpc.ClientUnaryCall;
    const outgoing = forward.call(
      provider.client,
      call.request,
      metadata,
      options,
      (error, response) => {
        if (!error) return callback(null, response);
        logger.warn(`search provider "${provider.plugin}" failed a ${method} call`, {
          plugin: provider.plugin,
          caller: caller.plugin,
          error: error.details,
        });
        callback({
          code: error.code,
          details: `search provider "${provider.plugin}": ${error.details || error.message}`,
        });
      },
    );
    // The caller gave up: so does the call to the provider.
    call.on("cancelled", () => outgoing.cancel());
  };
  return {
    search: pass("search"),
    indexDocuments: pass("indexDocuments"),
    deleteDocuments: pass("deleteDocuments"),
    configureIndex: pass("configureIndex"),
  };
}
