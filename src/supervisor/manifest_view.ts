import { join } from "node:path";
import type { FoundPlugin } from "./discovery.ts";
import { type Manifest, MANIFEST_FILE, readManifest } from "./manifest.ts";
import { type Ask, type HostAddress, pendingAsks } from "./permission_request.ts";
import { type Grants, NO_GRANTS } from "./sandbox.ts";

/**
 * What a plugin's manifest asks, set against the operator's grants: what the API and the
 * console show, and what an approval (`approved_manifest`, the manifest's SHA-256) names.
 */
export interface ManifestView {
  /** The SHA-256 of the manifest file's bytes: an approval names exactly this manifest. */
  sha256: string;
  /** Everything it asks beyond the defaults, granted or not. */
  requested: string[];
  /** What it asks that is not granted yet: approving this manifest grants all of it. */
  asks: Ask[];
  /**
   * What only a grant by name allows, never an approval: the host's own address, every
   * interface, and leaving the sandbox (`trusted`).
   */
  byNameOnly: Ask[];
  /** Whether `approved_manifest` in `[plugin.grants.<name>]` names this manifest. */
  approved: boolean;
}

/** The manifest's request against `grants`, the way the launch weighs it (see launch.ts). */
export function describeManifest(
  plugin: string,
  manifest: Manifest,
  sha256: string,
  grants: Grants,
  host: HostAddress,
): ManifestView {
  const { permissions, memory_mb } = manifest;
  const now = pendingAsks(plugin, permissions, memory_mb, grants, sha256, host);
  const all = pendingAsks(plugin, permissions, memory_mb, NO_GRANTS, sha256, host);
  // `run`, `ffi`, `sys` and `all` leave the sandbox: only `trusted` allows them, never an approval.
  const escapes = [
    ...(["run", "ffi", "sys"] as const).flatMap((kind) =>
      permissions[kind].map((value) => `${kind} ${value} (leaves the sandbox)`)
    ),
    ...(permissions.all ? ["all permissions (leaves the sandbox)"] : []),
  ];
  const trust = `trusted = true in [plugin.grants.${plugin}]`;
  return {
    sha256,
    requested: [...all.pending, ...all.byNameOnly].map((ask) => ask.what).concat(escapes),
    asks: now.pending,
    byNameOnly: [
      ...now.byNameOnly,
      ...(grants.trusted ? [] : escapes.map((what) => ({ what, grant: trust }))),
    ],
    approved: grants.approved_manifest === sha256,
  };
}

/**
 * The manifest of `found` as it is on disk now (a launch reads it again too), against
 * `grants`; undefined for a QNTX executable, which has none. Throws a `ManifestError` when
 * the file cannot be read or is invalid.
 */
export async function readManifestView(
  found: FoundPlugin,
  grants: Grants,
  host: HostAddress,
): Promise<ManifestView | undefined> {
  if (found.kind === "qntx-executable") return undefined;
  const { manifest, sha256 } = await readManifest(join(found.dir, MANIFEST_FILE));
  return describeManifest(found.name, manifest, sha256, grants, host);
}
