/**
 * `deno task api [METHOD] <path> [json]`: one call to the running host's API with the operator's
 * credential, found as the host finds it (`--config`, `QNTX_CONFIG` or ./am.toml; `[auth] token`,
 * `QNTX_AUTH_TOKEN` or the token file), so a newcomer's first calls need no header by hand.
 *
 *   deno task api /api/plugins
 *   deno task api POST /api/plugins/code/pause
 *   deno task api POST /api/pulse/jobs '{"handler_name": "finance/recompute-risk"}'
 */
import { dirname, join, resolve } from "node:path";
import { type HostConfig, loadHostConfig } from "../src/config/mod.ts";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** The parts of a command line: method, path and body. */
export function parseCall(
  args: readonly string[],
): { method: string; path: string; body?: string } {
  const rest = args.filter((arg) => !arg.startsWith("--config"));
  const method = METHODS.has(rest[0]?.toUpperCase() ?? "") ? rest.shift()!.toUpperCase() : "GET";
  const path = rest.shift();
  if (!path?.startsWith("/")) {
    throw new Error("usage: deno task api [GET|POST|PUT|PATCH|DELETE] </path> ['<json body>']");
  }
  return rest[0] === undefined ? { method, path } : { method, path, body: rest[0] };
}

/** Where the host listens and the operator's token, as the configuration says. */
export async function hostOf(
  config: HostConfig,
  env: Record<string, string>,
  cwd = Deno.cwd(),
): Promise<{ base: URL; token?: string }> {
  const host = config.server.bindAddress === "0.0.0.0" ? "127.0.0.1" : config.server.bindAddress;
  const base = new URL(`http://${host.includes(":") ? `[${host}]` : host}:${config.server.port}/`);
  if (!config.auth.enabled) return { base };
  const configured = config.auth.token;
  if (configured !== undefined) {
    return { base, token: configured.startsWith("env:") ? env[configured.slice(4)] : configured };
  }
  const beside = dirname(resolve(cwd, config.database.path));
  const file = resolve(cwd, config.auth.tokenFile ?? join(beside, "auth_token"));
  const token = await Deno.readTextFile(file).then((text) => text.trim(), () => undefined);
  return { base, token };
}

if (import.meta.main) {
  const env = Deno.env.toObject();
  const call = parseCall(Deno.args);
  const { base, token } = await hostOf(await loadHostConfig({ args: Deno.args, env }), env);
  const response = await fetch(new URL(call.path, base), {
    method: call.method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(call.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: call.body,
  });
  const text = await response.text();
  console.log(text);
  if (!response.ok) {
    console.error(`${response.status} ${response.statusText}`);
    Deno.exit(1);
  }
}
