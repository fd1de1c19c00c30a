import type { domain } from "../protocol/mod.ts";
import { PermanentFailure, type PluginConnection } from "./plugin_connection.ts";
import type { SupervisorContext } from "./supervisor_context.ts";

/** QNTX's provider roles this host does not route, by their InitializeResponse flag. */
const UNOFFERED = [
  ["llmProvider", "llm_provider (LLM chat)"],
  ["vectorSearchProvider", "vector_search_provider (vector search)"],
  ["embeddingProvider", "embedding_provider (embeddings)"],
  ["pythonProvider", "python_provider (running Python)"],
] as const;

/**
 * Why a plugin cannot run here for the provider roles it declares, or undefined. Of QNTX's
 * roles this host routes search only; a plugin built to serve another would sit idle while its
 * callers got nothing, so it fails, naming the roles.
 */
export function providerProblem(declared: domain.InitializeResponse): string | undefined {
  const roles = UNOFFERED.filter(([flag]) => declared[flag]).map(([, role]) => role);
  if (roles.length === 0) return undefined;
  return `it declares QNTX's provider role${roles.length > 1 ? "s" : ""} ${roles.join(", ")}, ` +
    "which this host does not offer (of the provider roles it routes search_provider only); " +
    "run it under QNTX's host, or disable it here";
}

/**
 * After each Initialize: a launch that declares a role this host does not offer fails (for
 * good); one that declares `search_provider` serves search, one that stopped declaring it no
 * longer does.
 */
export function takeProviderRoles(
  connection: PluginConnection,
  providers: SupervisorContext["searchProviders"],
): void {
  const declared = connection.declared!;
  const problem = providerProblem(declared);
  if (problem) throw new PermanentFailure(problem);
  if (declared.searchProvider) providers?.offer(connection.name, connection.searchClient());
  else providers?.withdraw(connection.name, connection.search);
}
