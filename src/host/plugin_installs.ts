import { join } from "node:path";
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
  fetchArchive,
  installArchive,
  type Installed,
  INSTALLED_SHA256,
  type InstalledRecord,
  parseSignature,
  readRecord,
  rollbackInstall,
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
 * is checked and put in place (see `installArchive`); a plugin that runs is then upgraded in
 * place to it, and when that upgrade fails the version before is put back on disk, so what is
 * installed is what serves. One install or rollback at a time. A refused archive is a 422
 * naming why, logged for the operator.
 */
export function pluginInstalls(parts: InstallParts): PluginInstalls {
  const { live, supervisor, registry, logger } = parts;
  const queue = new SerialQueue();
  const root = () => searchPath(live.current.plugin.paths[0] ?? "plugins", parts.cwd, parts.home);

  /** Makes the running plugin serve what is now on disk; puts the old files back if it cannot. */
  const apply = async (
    name: string,
    undo: () => Promise<unknown>,
  ): Promise<{ applied: "now" | "next start"; upgrade: UpgradeOutcome | null }> => {
    if (registry.getState(name) !== "running" || !supervisor.get(name)) {
      return { applied: "next start", upgrade: null };
    }
    try {
      return { applied: "now", upgrade: await supervisor.upgrade(name) };
    } catch (error) {
      await undo();
      logger.warn(`plugin "${name}": the installed version was put back: ${reasonOf(error)}`, {
        plugin: name,
      });
      throw error;
    }
  };

  const outcome = (
    name: string,
    installed: Pick<Installed, "version" | "sha256"> & { signedBy?: string },
    record: InstalledRecord,
    applied: Awaited<ReturnType<typeof apply>>,
    needsApproval?: string,
  ): InstallOutcome => ({
    plugin: name,
    version: installed.version,
    sha256: installed.sha256,
    signedBy: installed.signedBy ?? null,
    current: record.current ?? "",
    previous: record.previous ?? null,
    ...applied,
    state: registry.getState(name) ?? null,
    needsApproval: needsApproval ?? null,
  });

  const refused = (error: unknown): never => {
    if (!(error instanceof ArchiveError)) throw error;
    logger.warn(`a plugin archive was refused: ${error.message}`);
    throw new HttpError(422, `the archive was refused: ${error.message}`);
  };

  return {
    maxBytes: DEFAULT_ARCHIVE_LIMITS.maxArchiveBytes,
    install: (source: InstallSource) =>
      queue.run(async () => {
        const { archive, signature } = await gather(source).catch(refused);
        const plugin = live.current.plugin;
        const dir = root();
        await Deno.mkdir(dir, { recursive: true });
        const installed = await installArchive({ archive, sha256: source.sha256, signature }, {
          root: dir,
          hostVersion: parts.hostVersion,
          policy: { trustedKeys: plugin.trustedKeys, requireSignatures: plugin.requireSignatures },
          grants: (name) => plugin.grants[name] ?? NO_GRANTS,
          hostAddress: parts.hostAddress(),
          serving: (name) => registry.getState(name) === "running" && !!supervisor.get(name),
        }).catch(refused);
        const { name } = installed;
        logger.info(
          `plugin "${name}" v${installed.version} installed (sha256 ${installed.sha256}` +
            (installed.signedBy ? `, signed by ${installed.signedBy})` : ", unsigned)"),
          { plugin: name },
        );
        const applied = await apply(name, () => rollbackInstall(dir, name));
        return outcome(name, installed, installed.record, applied, installed.needsApproval);
      }),
    rollback: (name: string) =>
      queue.run(async () => {
        const dir = root();
        if (!(await readRecord(dir, name)).previous) {
          throw new HttpError(
            409,
            `plugin "${name}" has no previous installed version in ${dir} to return to`,
          );
        }
        const record = await rollbackInstall(dir, name).catch(refused);
        const applied = await apply(name, () => rollbackInstall(dir, name));
        const sha256 = (await Deno.readTextFile(join(dir, name, INSTALLED_SHA256)).catch(() => ""))
          .split(/\s/)[0] ?? "";
        const version = registry.snapshot(name)?.metadata?.version ??
          record.current?.replace(/-[0-9a-f]{12}$/, "") ?? "unknown";
        return outcome(name, { version, sha256 }, record, applied);
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
  const beside = await fetchArchive(`${source.url}.sig`, undefined, true);
  const signature = beside ? parseSignature(new TextDecoder().decode(beside)) : undefined;
  return { archive, signature };
}
