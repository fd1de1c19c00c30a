import type { HostHandlers, JobTarget } from "../jobs/mod.ts";
import type { Registry } from "../registry/mod.ts";
import type { Supervisor } from "../supervisor/mod.ts";

/**
 * Where the workers run jobs: the host's own handlers, and `ExecuteJob` on each plugin that
 * is `running` (a paused, loading or failed plugin's jobs wait in the queue).
 */
export function jobTarget(
  host: HostHandlers,
  supervisor: Supervisor,
  registry: Registry,
): JobTarget {
  return {
    ready() {
      const ready = new Map<string, ReadonlySet<string>>();
      const own = host.names();
      if (own.size > 0) ready.set("", own);
      for (const [name, handlers] of supervisor.jobHandlers()) {
        if (registry.getState(name) === "running") ready.set(name, handlers);
      }
      return ready;
    },
    run(plugin, call, signal) {
      if (plugin === "") return host.run(call, signal);
      return supervisor.executeJob(
        plugin,
        {
          jobId: call.jobId,
          handlerName: call.handlerName,
          payload: call.payload,
          timeoutSecs: BigInt(call.timeoutSecs),
        },
        // The job's one deadline, set by the workers: the call's own, which the plugin sees.
        call.timeoutSecs * 1000,
        signal,
      );
    },
  };
}
