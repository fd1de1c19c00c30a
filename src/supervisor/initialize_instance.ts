import { domain } from "../protocol/mod.ts";
import type { DeniedLog } from "./permission_audit.ts";
import { checkHostSocket } from "./host_socket_check.ts";
import { registeredGlyphs } from "./glyphs.ts";
import { EXIT_GRACE_MS, PermanentFailure, type PluginConnection } from "./plugin_connection.ts";
import { describeExit } from "./plugin_process.ts";
import { providerProblem, takeProviderRoles } from "./provider_roles.ts";
import type { SupervisorContext } from "./supervisor_context.ts";
import { toWireConfig } from "./wire_config.ts";

/**
 * Sends one launch its Initialize (its configuration checked against its schema first, its
 * service socket checked untouched), then asks its glyphs; what it declared stays on the launch.
 * Nothing of it is the plugin's yet: {@link adoptDeclarations} makes it so once the launch is
 * the one that serves (an upgrade initializes the new version while the old one still does).
 */
export async function initializeInstance(
  instance: PluginConnection,
  denied: DeniedLog,
  context: SupervisorContext,
): Promise<void> {
  const { name } = instance;
  const problems = context.configProblems?.(name, instance.schema) ?? [];
  if (problems.length > 0) {
    throw new PermanentFailure(`its configuration is invalid: ${problems.join("; ")}`);
  }
  checkHostSocket(instance, denied, context.logger);
  const endpoint = instance.services?.target ?? "";
  const request = domain.InitializeRequest.fromPartial({
    atsStoreEndpoint: endpoint,
    queueEndpoint: endpoint,
    authToken: instance.token,
    config: toWireConfig(name, context),
    scheduleEndpoint: endpoint,
    searchEndpoint: context.searchProviders ? endpoint : "",
    reconfigure: instance.declared !== undefined,
  });
  instance.configSent = JSON.stringify(request.config);
  try {
    instance.declared = await instance.lifecycleCall(
      `initialize of plugin "${name}"`,
      "initialize",
      request,
      context.timeouts.initialize,
    );
  } catch (error) {
    // A broken call from a process that is exiting: the exit is the better reason.
    const exit = await instance.exitWithin(EXIT_GRACE_MS);
    throw exit ? new Error(`exited unexpectedly (${describeExit(exit)}) during Initialize`) : error;
  }
  const refused = providerProblem(instance.declared);
  if (refused) throw new PermanentFailure(refused);
  instance.glyphs = await registeredGlyphs(instance, context.timeouts.call, context.logger);
}

/**
 * Makes what the serving launch declared the plugin's: its provider roles and its schedules and
 * handlers (each Initialize replaces the last; empty means none).
 */
export function adoptDeclarations(instance: PluginConnection, context: SupervisorContext): void {
  takeProviderRoles(instance, context.searchProviders);
  context.initialized?.(instance.name, instance.declared!);
}

/** The configuration a launch of plugin `name` would be sent now, as text; "" when it cannot be. */
export function wireConfigText(name: string, context: SupervisorContext): string {
  try {
    return JSON.stringify(toWireConfig(name, context));
  } catch {
    return "";
  }
}
