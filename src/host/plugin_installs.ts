import { basename, dirname, join } from "node:path";
import {
  HttpError,
  type InstallOutcome,
  type InstallSource,
  type PluginInstalls,
  type UpgradeOutcome,
} from "../http/mod.ts";
import type { LiveConfig } from "../config/mod.ts";
import {
  ArchiveError,
  type ArchiveSignature,
  DEFAULT_ARCHIVE_LIMITS,
  discardVersion,
  fetchArchive,
  installArchive,
  INSTALLED_SHA256,
  parseSignature,
  previousVersion,
  signatureUrl,
  switchTo,
  versionsDir,
} from "../install/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { reasonOf, type Registry } from "../registry/mod.ts";
import { type HostAddress, NO_GRANTS, searchPath, type Supervisor } from "../supervisor/mod.ts";
import { SerialQueue } from "../async/mod.ts";

/** What installs need of the host. */
export interface InstallParts {
  live: LiveConfig;
  supervisor: Supervisor;
  registry: Registry;
  logger: Logger;
  cwd: string;
  home: string | undefined;
  hostVersion: string;
  hostAddress: () => HostAddress;
}

/**
 * Installs and rollbacks over the plugin tree of the first `[plugin] paths` entry. An archive
 * is checked and put among the versions (see `installArchive`); a plugin that runs is then
 * upgraded in place to that folder, and only once it serves does `<name>` lead there, so what
 * is installed is what serves, also when the upgrade fails. One install or rollback at a time.
 * A refused archive is a 422 naming why, logged for the operator.
 */
export function pluginInstalls(parts: InstallParts): PluginInstalls {
  const { live, supervisor, registry, logger } = parts;
  const queue = new SerialQueue();
  const root = () => searchPath(live.current.plugin.paths[0] ?? "plugins", parts.cwd, parts.home);
  const running = (name: string) =>
    registry.getState(name) === "running" && supervisor.get(name) !== undefined;

  /** The version folders a live process of plugin `name` runs from (kept by a switch). */
  const inUse = async (dir: string, name: string): Promise<string[]> => {
    const found = supervisor.get(name)?.found;
    if (!found || registry.getState(name) === "stopped" || registry.getState(name) === "failed") {
      return [];
    }
    const real = await Deno.realPath(found.dir).catch(() => found.dir);
    const versions = await Deno.realPath(versionsDir(dir, name)).catch(() => "");
    return dirname(real) === versions ? [basename(real)] : [];
  };

  /**
   * Makes installed version `folder` the one that serves: a running plugin is upgraded to it in
   * place first, and only then does `<name>` lead to it (a failed upgrade changes nothing on
   * disk but the unused version, removed); otherwise it is what the next start runs.
   */
  const activate = async (dir: string, name: string, folder: string) => {
    let upgrade: UpgradeOutcome | null = null;
    if (running(name)) {
      try {
        upgrade = await supervisor.upgrade(name, join(versionsDir(dir, name), folder));
      } catch (error) {
        await discardVersion(dir, name, folder);
        logger.warn(`plugin "${name}" stays on its version: ${reasonOf(error)}`, { plugin: name });
        throw error;
      }
    }
    const record = await switchTo(dir, name, folder, await inUse(dir, name));
    return { record, upgrade, applied: upgrade ? "now" as const : "next start" as const };
  };

  const outcome = (
    name: string,
    installed: { version: string; sha256: string; signedBy?: string; needsApproval?: string },
    done: Awaited<ReturnType<typeof activate>>,
  ): InstallOutcome => ({
    plugin: name,
    version: installed.version,
    sha256: installed.sha256,
    signedBy: installed.signedBy ?? null,
    current: done.record.current ?? "",
    previous: done.record.previous ?? null,
    applied: done.applied,
    upgrade: done.upgrade,
    state: registry.getState(name) ?? null,
    needsApproval: installed.needsApproval ?? null,
  });

  const refused = (error: unknown): never => {
    if (!(error instanceof ArchiveError)) throw error;
    logger.warn(`a plugin archive was refused: ${error.message}`);
    throw new HttpError(422, `the archive was refused: ${error.message}`);
  };

  return {
    maxBytes: DEFAULT_ARCHIVE_LIMITS.maxArchiveBytes,
    install: async (source: InstallSource) => {
      // Fetched before waiting for other installs: a slow download holds up no one.
      const { archive, signature } = await gather(source).catch(refused);
      return await queue.run(async () => {
        const plugin = live.current.plugin;
        const dir = root();
        await Deno.mkdir(dir, { recursive: true });
        const installed = await installArchive({ archive, sha256: source.sha256, signature }, {
          root: dir,
          hostVersion: parts.hostVersion,
          policy: { trustedKeys: plugin.trustedKeys, requireSignatures: plugin.requireSignatures },
          grants: (name) => plugin.grants[name] ?? NO_GRANTS,
          hostAddress: parts.hostAddress(),
          serving: running,
        }).catch(refused);
        const { name } = installed;
        logger.info(
          `plugin "${name}" v${installed.version} installed (sha256 ${installed.sha256}` +
            (installed.signedBy ? `, signed by ${installed.signedBy})` : ", unsigned)"),
          { plugin: name },
        );
        return outcome(name, installed, await activate(dir, name, installed.folder));
      });
    },
    rollback: (name: string) =>
      queue.run(async () => {
        const dir = root();
        const previous = await previousVersion(dir, name).catch((error) => {
          if (error instanceof ArchiveError) throw new HttpError(409, error.message);
          throw error;
        });
        const done = await activate(dir, name, previous);
        const sha256 =
          (await Deno.readTextFile(join(versionsDir(dir, name), previous, INSTALLED_SHA256))
            .catch(() => "")).split(/\s/)[0] ?? "";
        const version = done.upgrade?.to ?? previous.replace(/-[0-9a-f]{12}$/, "");
        return outcome(name, { version, sha256 }, done);
      }),
  };
}

/** The archive's bytes and its signature, fetched when named by URL. */
async function gather(
  source: InstallSource,
): Promise<{ archive: Uint8Array; signature?: ArchiveSignature }> {
  const given = source.signature === undefined ? undefined : parseSignature(
    typeof source.signature === "string" ? source.signature : JSON.stringify(source.signature),
  );
  if ("archive" in source) return { archive: source.archive, signature: given };
  const archive = (await fetchArchive(source.url))!;
  if (given) return { archive, signature: given };
  // A signature published beside the archive is checked when there is one.
  const beside = await fetchArchive(signatureUrl(source.url), undefined, true);
  const signature = beside ? parseSignature(new TextDecoder().decode(beside)) : undefined;
  return { archive, signature };
}
