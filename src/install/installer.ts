import { dirname, join } from "node:path";
import { compatibilityProblem, nameProblem, versionProblem } from "../registry/mod.ts";
import {
  askMessage,
  type Grants,
  type HostAddress,
  type Manifest,
  MANIFEST_FILE,
  ManifestError,
  parseManifest,
  pendingAsks,
  sha256Hex,
} from "../supervisor/mod.ts";
import { ArchiveError, type ArchiveFile, type ArchiveLimits, readArchive } from "./archive.ts";
import {
  INSTALLED_SHA256,
  readRecord,
  STAGING,
  versionFolder,
  versionsDir,
} from "./installed_tree.ts";
import { type ArchiveSignature, verifySignature } from "./signature.ts";

/** Who may sign archives, and whether one must be signed. */
export interface SignaturePolicy {
  trustedKeys: readonly string[];
  requireSignatures: boolean;
}

/** What an install needs of the host: where, its version, and what the operator granted. */
export interface InstallTarget {
  /** The search path installed into (the first of `[plugin] paths`). */
  root: string;
  hostVersion: string;
  policy: SignaturePolicy;
  grants: (name: string) => Grants;
  hostAddress: HostAddress;
  limits?: ArchiveLimits;
  /**
   * Whether plugin `name` runs now: then a version that asks for what is not granted is
   * refused before anything changes (it could not take over).
   */
  serving?: (name: string) => boolean;
}

/** An archive and what vouches for it. */
export interface InstallRequest {
  archive: Uint8Array;
  /** The SHA-256 the archive must have (hex), when the operator knows it. */
  sha256?: string;
  signature?: ArchiveSignature;
}

/**
 * A version installed among the plugin's versions; `switchTo` makes it the one `<name>` leads
 * to (after an upgrade to it succeeded, when the plugin runs).
 */
export interface Installed {
  name: string;
  /** From the manifest; `unknown` for a QNTX executable without one (it says at start). */
  version: string;
  sha256: string;
  /** The key that signed it, when signed. */
  signedBy?: string;
  /** The installed version's folder, and its name under `.versions/<name>/`. */
  dir: string;
  folder: string;
  /** What the manifest asks that the operator has not granted (the plugin fails until then). */
  needsApproval?: string;
}

/**
 * Installs a plugin archive into the tree layout of `target.root`: checks its checksum and
 * signature (by policy), reads it (see `readArchive`: nothing outside its folder, no links),
 * checks its manifest (name, semver version, `qntx_version` against this host, its entry or
 * executable present), unpacks it into a staging folder and moves that into place under
 * `.versions/` in one rename. What runs is not changed: see `switchTo`. Throws an
 * `ArchiveError` naming the first problem; nothing of a refused archive stays on disk.
 */
export async function installArchive(
  request: InstallRequest,
  target: InstallTarget,
): Promise<Installed> {
  const sha256 = await sha256Hex(request.archive);
  if (request.sha256 !== undefined && request.sha256.toLowerCase() !== sha256) {
    throw new ArchiveError(
      `the archive's SHA-256 is ${sha256}, not the expected ${request.sha256}: it was changed ` +
        "or damaged on the way; nothing was installed",
    );
  }
  if (request.signature) {
    await verifySignature(request.signature, sha256, target.policy.trustedKeys);
  } else if (target.policy.requireSignatures) {
    throw new ArchiveError(
      "the archive is not signed, and [plugin] require_signatures = true refuses unsigned " +
        "archives; sign it (deno task plugin pack <dir> --key <file>) with a key in " +
        "[plugin] trusted_keys",
    );
  }
  const files = await readArchive(request.archive, target.limits);
  const { name, version, manifest } = identify(files, target.hostVersion);
  const needsApproval = manifest && await ungranted(name, manifest, files, target);
  if (needsApproval && target.serving?.(name)) {
    // The running version would be asked to make way for one that cannot start.
    throw new ArchiveError(
      `v${version} was not installed: ${needsApproval}; plugin "${name}" runs and stays on ` +
        "its version until then; grant it in am.toml, then install again",
    );
  }
  const versions = versionsDir(target.root, name);
  const folder = join(versions, versionFolder(version, sha256));
  if (!(await exists(folder))) {
    const staged = await unpack(files, target.root);
    try {
      await Deno.writeTextFile(join(staged, INSTALLED_SHA256), `${sha256}  ${name}.tar.gz\n`);
      await Deno.mkdir(versions, { recursive: true });
      await Deno.rename(staged, folder);
    } catch (error) {
      await Deno.remove(staged, { recursive: true }).catch(() => {});
      throw error;
    }
  }
  const installed: Installed = {
    name,
    version,
    sha256,
    dir: folder,
    folder: versionFolder(version, sha256),
  };
  if (request.signature) installed.signedBy = request.signature.key;
  if (needsApproval) installed.needsApproval = needsApproval;
  return installed;
}

/** What the manifest asks that the operator has not granted, as the launch would say it. */
async function ungranted(
  name: string,
  manifest: Manifest,
  files: ArchiveFile[],
  target: InstallTarget,
): Promise<string | undefined> {
  const manifestSha = await sha256Hex(files.find((file) => file.path === MANIFEST_FILE)!.data);
  const asks = pendingAsks(
    name,
    manifest.permissions,
    manifest.memory_mb,
    target.grants(name),
    manifestSha,
    target.hostAddress,
  );
  if (asks.pending.length === 0 && asks.byNameOnly.length === 0) return undefined;
  return askMessage(name, asks, manifestSha);
}

/** The plugin an archive holds: its manifest's name and version, or a QNTX executable's name. */
function identify(
  files: ArchiveFile[],
  hostVersion: string,
): { name: string; version: string; manifest?: Manifest } {
  const manifestFile = files.find((file) => file.path === MANIFEST_FILE);
  if (!manifestFile) {
    // QNTX's tree layout: `qntx-<name>-plugin` (with its lib/) at the top.
    const program = files.find((file) =>
      !file.path.includes("/") && file.executable && /^qntx-[a-z0-9-]+-plugin$/.test(file.path)
    );
    if (!program) {
      throw new ArchiveError(
        `the archive has no ${MANIFEST_FILE} and no executable qntx-<name>-plugin at its top`,
      );
    }
    const name = program.path.slice("qntx-".length, -"-plugin".length);
    const refused = nameProblem(name);
    if (refused) throw new ArchiveError(`the archive's plugin "${name}" is refused: ${refused}`);
    return { name, version: "unknown" };
  }
  let manifest: Manifest;
  try {
    manifest = parseManifest(new TextDecoder().decode(manifestFile.data), MANIFEST_FILE);
  } catch (error) {
    throw new ArchiveError(
      `its manifest is invalid: ${error instanceof ManifestError ? error.message : error}`,
    );
  }
  const { name, version } = manifest;
  const problem = versionProblem(name, version) ??
    compatibilityProblem(name, manifest.qntx_version ?? "", hostVersion)?.message;
  if (problem) throw new ArchiveError(problem);
  const start = manifest.entry ?? manifest.executable!;
  const file = files.find((candidate) => candidate.path === start);
  if (!file) throw new ArchiveError(`its manifest names ${start}, which is not in the archive`);
  if (manifest.executable !== undefined && !file.executable) {
    throw new ArchiveError(`its executable ${start} is not marked executable in the archive`);
  }
  return { name, version, manifest };
}

/** Writes the files into a new staging folder (files only: no link is ever made). */
async function unpack(files: ArchiveFile[], root: string): Promise<string> {
  const staged = join(root, STAGING, crypto.randomUUID());
  await Deno.mkdir(staged, { recursive: true, mode: 0o755 });
  try {
    for (const file of files) {
      const path = join(staged, file.path);
      await Deno.mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await Deno.writeFile(path, file.data, { mode: file.executable ? 0o755 : 0o644 });
      await Deno.chmod(path, file.executable ? 0o755 : 0o644);
    }
  } catch (error) {
    await Deno.remove(staged, { recursive: true }).catch(() => {});
    throw error;
  }
  return staged;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** The version installed before the current one, to return to; throws when there is none. */
export async function previousVersion(root: string, name: string): Promise<string> {
  const { previous } = await readRecord(root, name);
  if (!previous || !(await exists(join(versionsDir(root, name), previous)))) {
    throw new ArchiveError(
      `plugin "${name}" has no previous installed version in ${root} to return to`,
    );
  }
  return previous;
}
