import { ConfigError, formatIssue, type LiveConfig } from "../config/mod.ts";
import { HttpError, type ManifestState, type PluginApprovals } from "../http/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { ManifestError, type ManifestView, type Supervisor } from "../supervisor/mod.ts";

/**
 * Approvals over the live configuration and the supervisor: the operator approves the manifest
 * they read (by its SHA-256), the approval is written into `[plugin.grants.<name>]` of
 * `am.toml` with everything else kept, and the plugin restarts with what it asked. What only a
 * grant by name allows stays refused, and the answer says so.
 */
export function manifestApprovals(
  live: LiveConfig,
  supervisor: Supervisor,
  registry: Registry,
  logger: Logger,
): PluginApprovals {
  const view = async (name: string): Promise<ManifestState | undefined> => {
    try {
      return await supervisor.manifest(name);
    } catch (error) {
      if (error instanceof ManifestError) return { problem: error.message };
      throw error;
    }
  };

  /** The manifest on disk now, or the refusal that says why there is none to approve. */
  const current = async (name: string): Promise<ManifestView> => {
    if (registry.getState(name) === undefined) {
      throw new HttpError(404, `plugin "${name}" is not registered`);
    }
    let manifest: ManifestView | undefined;
    try {
      manifest = await supervisor.manifest(name);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      throw new HttpError(
        409,
        `the manifest of plugin "${name}" cannot be approved: ${error.message}`,
      );
    }
    if (manifest) return manifest;
    throw new HttpError(
      409,
      supervisor.get(name)
        ? `plugin "${name}" is a QNTX executable and has no manifest to approve; grant what ` +
          `it needs by name in [plugin.grants.${name}]`
        : `plugin "${name}" was not found in the plugin paths, so there is no manifest to ` +
          `approve; put its folder in a [plugin] paths entry and enable it`,
    );
  };

  const write = async (name: string, sha256: string): Promise<void> => {
    try {
      await live.updateGrant(name, "approved_manifest", sha256);
    } catch (error) {
      const by = `set approved_manifest = "${sha256}" in [plugin.grants.${name}] by hand`;
      if (error instanceof ConfigError) {
        throw new HttpError(
          409,
          `the approval of plugin "${name}" cannot be written: ` +
            `${error.issues.map(formatIssue).join("; ")}; ${by}`,
        );
      }
      logger.error(`the approval of plugin "${name}" could not be written to ${live.path}`, {
        plugin: name,
        error,
      });
      throw new HttpError(
        500,
        `the approval of plugin "${name}" could not be written to ${live.path} ` +
          `(${(error as Error).message}); nothing changed; ${by}`,
      );
    }
  };

  return {
    view,
    async approve(name, sha256) {
      const before = await current(name);
      if (before.sha256 !== sha256) {
        throw new HttpError(
          409,
          `the manifest changed since you read it: you approved ${sha256}, but the manifest ` +
            `of plugin "${name}" on disk is now ${before.sha256}; read it again ` +
            `(GET /api/plugins/${name}) and approve what it asks now`,
          { approved: sha256, current: before.sha256 },
        );
      }
      const written = !before.approved;
      if (written) {
        await write(name, sha256);
        logger.info(`the operator approved the manifest of plugin "${name}"`, {
          plugin: name,
          sha256,
          approved: before.asks.map((ask) => ask.what),
          file: live.path,
        });
      }
      // A restart puts the grants in force. A plugin the operator stopped stays stopped (the
      // approval applies at its next start); one that runs with nothing waiting keeps running.
      const state = registry.getState(name);
      const restarted = state !== "stopped" &&
        (before.asks.length > 0 || state === "failed" || state === "loading");
      if (restarted) await supervisor.restart(name);
      const after = await view(name) ?? { problem: `plugin "${name}" has no manifest now` };
      const snapshot = registry.snapshot(name);
      const left = "byNameOnly" in after ? after.byNameOnly : [];
      return {
        plugin: name,
        manifest: after,
        written,
        restarted,
        state: snapshot?.state ?? "unknown",
        lastError: snapshot?.lastError ?? null,
        ...(left.length > 0
          ? {
            remaining: `an approval never grants ${left.map((ask) => ask.what).join(", ")}; ` +
              `only ${left.map((ask) => ask.grant).join("; ")}`,
          }
          : {}),
      };
    },
  };
}
