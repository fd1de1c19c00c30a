import type { PermissionRequest } from "./manifest.ts";
import type { Grants } from "./sandbox.ts";

/**
 * A manifest asks; the operator grants. What a plugin's own manifest requests beyond the
 * defaults (hosts, environment variables, write entries, a larger heap) is granted only when
 * the operator approved that manifest (`approved_manifest`, its SHA-256, so a changed manifest
 * asks again) or granted the item itself in `[plugin.grants.<name>]`. The host's own listening
 * address and the wildcard addresses are never granted by an approval alone: only by name.
 */

/** The V8 heap of an SDK plugin, in MiB, when neither manifest nor operator says otherwise. */
export const DEFAULT_MEMORY_MB = 512;

/** Where the host itself listens, which a plugin could otherwise drive as an operator. */
export interface HostAddress {
  hostname: string;
  port: number;
}

/** One thing a manifest asks for that is not granted, and the grant that would allow it. */
export interface Ask {
  what: string;
  /** The grant by name, where there is one (a write entry is allowed by an approval only). */
  grant?: string;
}

export interface PendingAsks {
  /** Allowed by approving the manifest or by the grant named. */
  pending: Ask[];
  /** Allowed only by naming it in a grant: the host's own address, wildcard addresses. */
  byNameOnly: Ask[];
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

function splitHost(entry: string): { host: string; port?: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
  if (!match) return { host: entry };
  return { host: match[1]!.toLowerCase(), port: match[2] ? Number(match[2]) : undefined };
}

/**
 * The host part as a URL parser reads it, so other spellings of an address are caught:
 * `0177.0.0.1`, `2130706433` and `0x7f000001` all become `127.0.0.1`, `[0:0:0:0:0:0:0:1]`
 * becomes `[::1]`.
 */
function normalized(host: string): string {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return host;
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" ||
    // v4-mapped IPv6 (`[::ffff:7f00:1]`): never needed to name a remote host.
    host.startsWith("[::ffff:");
}

/**
 * Whether a net entry reaches the host's own server or listens on every interface: any wildcard
 * address, any name with the host's port, a loopback name (or the host's bind address) without
 * a port.
 */
export function touchesHost(entry: string, host: HostAddress): boolean {
  const split = splitHost(entry);
  const name = normalized(split.host);
  const port = split.port;
  if (WILDCARDS.has(name) || name === "0.0.0.0") return true;
  if (port !== undefined) return port === host.port;
  return isLoopback(name) || name === host.hostname.toLowerCase();
}

/** What a manifest asks that the operator has not granted. */
export function pendingAsks(
  plugin: string,
  request: PermissionRequest,
  memoryMb: number | undefined,
  grants: Grants,
  manifestSha256: string,
  host: HostAddress,
): PendingAsks {
  const result: PendingAsks = { pending: [], byNameOnly: [] };
  const approved = grants.trusted || grants.approved_manifest === manifestSha256;
  const table = `[plugin.grants.${plugin}]`;
  for (const entry of request.net) {
    const grant = `net = ["${entry}"] in ${table}`;
    if (grants.net.includes(entry)) continue;
    if (touchesHost(entry, host) && !grants.trusted) {
      result.byNameOnly.push({
        what: `net ${entry} (the host's own address or every interface)`,
        grant,
      });
    } else if (!approved) result.pending.push({ what: `net ${entry}`, grant });
  }
  for (const name of request.env) {
    if (!approved && !grants.env.includes(name)) {
      result.pending.push({ what: `env ${name}`, grant: `env = ["${name}"] in ${table}` });
    }
  }
  for (const entry of request.write) {
    if (!approved) {
      result.pending.push({ what: `write ${entry} (inside its folder)` });
    }
  }
  if (memoryMb !== undefined && memoryMb > DEFAULT_MEMORY_MB && !approved) {
    if ((grants.memory_mb ?? 0) < memoryMb) {
      result.pending.push({
        what: `memory_mb ${memoryMb} (default ${DEFAULT_MEMORY_MB})`,
        grant: `memory_mb = ${memoryMb} in ${table}`,
      });
    }
  }
  return result;
}

/** The refusal an operator reads: what the plugin asks and the exact grant that allows it. */
export function askMessage(plugin: string, asks: PendingAsks, manifestSha256: string): string {
  const parts: string[] = [];
  if (asks.pending.length > 0) {
    const byName = asks.pending.flatMap((ask) => ask.grant ? [ask.grant] : []);
    parts.push(
      `plugin "${plugin}" asks for what the operator has not granted: ` +
        `${asks.pending.map((ask) => ask.what).join(", ")}; to allow all of it, approve its ` +
        `manifest (POST /api/plugins/${plugin}/approve, or the console) or set ` +
        `approved_manifest = "${manifestSha256}" in [plugin.grants.${plugin}]` +
        (byName.length > 0 ? `; or grant by name: ${byName.join("; ")}` : ""),
    );
  }
  if (asks.byNameOnly.length > 0) {
    parts.push(
      `plugin "${plugin}" asks for ${asks.byNameOnly.map((ask) => ask.what).join(", ")}, which ` +
        `an approval never grants; only ${asks.byNameOnly.map((ask) => ask.grant).join("; ")}`,
    );
  }
  return parts.join("; ");
}
