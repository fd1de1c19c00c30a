/**
 * The host's entry point: `deno task start [--config am.toml]`.
 * Loads the configuration (refusing to start on any error), starts the host, and stops it
 * cleanly on SIGINT or SIGTERM.
 */
import { ConfigError, formatIssue, loadHostConfig } from "./src/config/mod.ts";
import { fileURLToPath } from "node:url";
import {
  CredentialMissing,
  denoCheck,
  followPluginFiles,
  type Host,
  HOST_VERSION,
  startHost,
} from "./src/host/mod.ts";
import { JsonLogger, writerSink } from "./src/log/mod.ts";

const EXIT_CONFIG = 2;
const EXIT_START = 1;

export async function main(args: string[]): Promise<void> {
  if (args.includes("--version")) {
    console.log(HOST_VERSION);
    return;
  }
  const boot = new JsonLogger("host", { sink: writerSink() });
  let config;
  try {
    config = await loadHostConfig({ args });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    boot.error("refusing to start: the configuration is invalid", {
      issues: error.issues.map(formatIssue),
    });
    Deno.exit(EXIT_CONFIG);
  }
  const logger = new JsonLogger("host", { sink: writerSink(), level: config.server.logLevel });
  for (const warning of config.warnings) logger.warn(warning);

  // Listen for signals before the host says where it listens: a signal that arrives between
  // that line and the listener would otherwise kill the process without a clean stop.
  let host: Host | undefined;
  let signalled = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      if (signalled || !host) {
        logger.warn(`${signal}: exiting without waiting for plugins`);
        Deno.exit(EXIT_START);
      }
      signalled = true;
      logger.info(`${signal} received: shutting down`);
      host.shutdown().then(() => Deno.exit(0));
    });
  }

  try {
    host = startHost(config, { logger, version: HOST_VERSION });
    // `deno task dev`: a plugin whose files change is type-checked, then restarted.
    if (args.includes("--dev")) {
      followPluginFiles({
        supervisor: host.supervisor,
        registry: host.registry,
        logger: logger.named("dev"),
        check: denoCheck(fileURLToPath(new URL("./deno.json", import.meta.url))),
      });
    }
  } catch (error) {
    if (error instanceof CredentialMissing) {
      logger.error(`refusing to start: ${error.message}`);
      Deno.exit(EXIT_CONFIG);
    }
    logger.error("the host could not start", { error });
    Deno.exit(EXIT_START);
  }
}

if (import.meta.main) await main(Deno.args);
