import semver from "semver";

/** The host version that skips the compatibility check (development builds). */
export const DEV_VERSION = "dev";

/** Why a plugin cannot run here: its constraint is malformed, or this host is outside it. */
export interface CompatibilityProblem {
  kind: "invalid" | "incompatible";
  message: string;
}

/**
 * Why a plugin that asks for host versions `constraint` cannot run on `hostVersion`, or
 * undefined when it can. An empty constraint accepts every host; a `dev` host accepts every
 * plugin.
 */
export function compatibilityProblem(
  plugin: string,
  constraint: string,
  hostVersion: string,
): CompatibilityProblem | undefined {
  const wanted = constraint.trim();
  if (wanted === "" || hostVersion === DEV_VERSION) return undefined;
  if (semver.validRange(wanted) === null) {
    return {
      kind: "invalid",
      message: `plugin "${plugin}" declares an invalid qntxVersion constraint "${constraint}"; ` +
        `contact the plugin's author to fix its metadata`,
    };
  }
  if (!semver.satisfies(hostVersion, wanted, { includePrerelease: true })) {
    return {
      kind: "incompatible",
      message: `plugin "${plugin}" requires QNTX ${wanted} but this host is version ${hostVersion}`,
    };
  }
  return undefined;
}

/** Why `version` is not a plugin version the host accepts, or undefined when it is. */
export function versionProblem(plugin: string, version: string): string | undefined {
  if (semver.valid(version) === null) {
    return `plugin "${plugin}" declares version "${version}", which is not a semantic version ` +
      `such as 1.2.3`;
  }
  return undefined;
}
