import { dirname, join, resolve } from "node:path";
import { type HostConfig, isLoopbackAddress } from "../config/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { ApiTokenStore, AuditLog } from "../store/mod.ts";
import { Credentials, randomId } from "../http/mod.ts";

/** The operator's token, and where it came from (never the token itself in a log). */
export interface OperatorToken {
  token: string;
  /** `[auth] token`, an environment variable, or the token file's path. */
  source: string;
  /** True when this start made the token file. */
  generated: boolean;
}

/**
 * The operator's token: `[auth] token` (a value, or `env:NAME` read from the host's
 * environment; `QNTX_AUTH_TOKEN` sets it too), else the token file, made at first start with a
 * fresh 256-bit token, readable by the host's user alone (0600).
 */
/** The host may not start as configured: no credential where one is needed. */
export class CredentialMissing extends Error {
  override name = "CredentialMissing";
}

export function operatorToken(
  configured: string | undefined,
  file: string,
  env: Record<string, string>,
  /** The address the host listens on, when beyond loopback: a token is never made up there. */
  exposedOn?: string,
): OperatorToken {
  if (configured !== undefined) {
    if (!configured.startsWith("env:")) {
      return { token: configured, source: "[auth] token", generated: false };
    }
    const name = configured.slice(4);
    const value = env[name];
    if (!value) {
      throw new Error(
        `[auth] token names environment variable ${name}, which is not set; set it, or remove ` +
          `[auth] token to use the token file ${file}`,
      );
    }
    return { token: value, source: `environment variable ${name}`, generated: false };
  }
  try {
    const token = Deno.readTextFileSync(file).trim();
    if (token.length >= 32) {
      const mode = Deno.statSync(file).mode ?? 0o600;
      if ((mode & 0o077) !== 0) Deno.chmodSync(file, 0o600);
      return { token, source: file, generated: false };
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (exposedOn !== undefined) {
    throw new CredentialMissing(
      `the host listens on ${exposedOn}, beyond loopback, and no credential is configured: set ` +
        `[auth] token (a value or env:NAME) or QNTX_AUTH_TOKEN, or put a token in ${file}`,
    );
  }
  Deno.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomId();
  Deno.writeTextFileSync(file, `${token}\n`, { mode: 0o600 });
  Deno.chmodSync(file, 0o600);
  return { token, source: file, generated: true };
}

/** The credential check of the operator's API, with its token (see operator_token.ts). */
export function operatorCredentials(
  config: HostConfig,
  dbPath: string,
  cwd: string,
  logger: Logger,
  tokens: ApiTokenStore,
  audit: AuditLog,
  /** The cluster's relay secret, once known (with PostgreSQL). */
  peerToken?: () => string | undefined,
): Credentials {
  const beside = dbPath === ":memory:" ? resolve(cwd, "data") : dirname(resolve(cwd, dbPath));
  const file = resolve(cwd, config.auth.tokenFile ?? join(beside, "auth_token"));
  const bind = config.server.bindAddress;
  const operator = operatorToken(
    config.auth.token,
    file,
    Deno.env.toObject(),
    isLoopbackAddress(bind) ? undefined : bind,
  );
  logger.info(
    operator.generated
      ? `made the operator's token in ${operator.source} (readable by this user alone); ` +
        "programs send it as Authorization: Bearer <token>"
      : `the operator's token comes from ${operator.source}`,
    { token: operator.source },
  );
  const log = logger.named("auth");
  return new Credentials({
    token: operator.token,
    sessionMs: config.auth.sessionMs,
    tokens,
    ...(peerToken ? { peerToken } : {}),
    onFailure: (client, reason) => {
      log.warn(`refused a credential from ${client}: ${reason}`);
      audit.append({
        at: Date.now(),
        actor: "-",
        action: "credential refused",
        target: reason,
        client,
        status: 401,
      });
    },
  });
}
