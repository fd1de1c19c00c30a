import { type HostHandlers, pluginOf } from "../jobs/mod.ts";
import type { Registry } from "../registry/mod.ts";
import type { Supervisor } from "../supervisor/mod.ts";

/** Why a job cannot be queued, as the status and words its client gets. */
export interface Refusal {
  status: 404 | 422;
  detail: string;
}

/**
 * Whether a job for `handlerName` may be queued: a host handler that exists, or
 * `<plugin>/<handler>` of an enabled plugin. A plugin whose process runs must have declared the
 * handler; one that is stopped, failed or starting may still take it, so its jobs wait. With
 * hosts sharing PostgreSQL, a plugin another live host has enabled is admitted too (its host
 * takes the job).
 */
export function jobAdmission(
  host: HostHandlers,
  supervisor: Supervisor,
  registry: Registry,
  /** The plugins the other live hosts have enabled (none for a host alone). */
  elsewhere: () => Promise<ReadonlySet<string>> = () => Promise.resolve(new Set()),
): (handlerName: string) => Promise<Refusal | undefined> {
  return async (handlerName) => {
    const plugin = pluginOf(handlerName);
    if (plugin === "") {
      if (host.names().has(handlerName)) return undefined;
      return {
        status: 404,
        detail: `no host job handler "${handlerName}" (the host's: ${
          [...host.names()].join(", ") || "none"
        }); a plugin's handler is named "<plugin>/<handler>"`,
      };
    }
    const handler = handlerName.slice(plugin.length + 1);
    if (registry.getState(plugin) === undefined) {
      if ((await elsewhere()).has(plugin)) return undefined;
      const enabled = registry.snapshots().map((snapshot) => snapshot.name);
      return {
        status: 404,
        detail: `no plugin "${plugin}" is enabled (enabled: ${enabled.join(", ") || "none"})`,
      };
    }
    const declared = supervisor.jobHandlers().get(plugin);
    if (declared && !declared.has(handler)) {
      return {
        status: 422,
        detail: `plugin "${plugin}" has no job handler "${handler}" (it has: ${
          [...declared].join(", ") || "none"
        })`,
      };
    }
    return undefined;
  };
}
