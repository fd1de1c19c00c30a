import { domainLoggerName, JsonLogger, writerSink } from "../log/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { CAPABILITIES, type PluginAddress, readyLine } from "../protocol/wire.ts";
import { parsePluginArgs } from "./args.ts";
import { DataServer } from "./data_server.ts";
import type { GrpcServing } from "./grpc_service.ts";
import type { PluginDefinition } from "./definition.ts";
import { PluginService } from "./plugin_service.ts";
import { openSocket } from "./websocket_session.ts";
import { definitionProblems, PluginDefinitionError } from "./definition_check.ts";

/** How long a stopping plugin waits for in-flight calls before dropping them. */
const DRAIN_MS = 1500;

/** How {@link serve} runs; every member has a default. */
export interface ServeOptions {
  /** Defaults to `Deno.args`. */
  args?: readonly string[];
  /** Exit the process once stopped (default true; tests serve in process and pass false). */
  exit?: boolean;
  /** Where the SDK and the plugin log; defaults to JSON lines on stderr. */
  logger?: Logger;
}

/** A plugin that is serving. */
export interface ServingPlugin {
  /** Where the plugin listens: its data channel under this host, else its gRPC socket or port. */
  address: PluginAddress;
  /** The SDK's implementation of the plugin's RPCs; for tests, not for plugin code. */
  service: PluginService;
  /** Resolves when the plugin has stopped serving. */
  stopped: Promise<void>;
  /** Stops serving; `drain` waits (up to a bound) for calls in flight, else they are cut. */
  stop(reason: string, drain?: boolean): Promise<void>;
}

/**
 * Serves a plugin: reads the host's arguments, listens, prints the ready line on stdout, and
 * serves `DomainPluginService` until the host calls Shutdown, sends SIGTERM or SIGINT, or (with
 * `--watch-stdin`) dies and closes our stdin. Given `--data-socket` (this host), everything goes
 * over the data channel there and gRPC is never loaded; otherwise (QNTX's host) over gRPC on the
 * Unix socket or port given.
 *
 * ```ts ignore
 * import { definePlugin, serve } from "../../src/sdk/mod.ts";
 * const echo = definePlugin({
 *   metadata: { name: "echo", version: "1.0.0", qntxVersion: "", description: "", author: "", license: "MIT" },
 *   fetch: (request) => new Response(request.body),
 * });
 * if (import.meta.main) await serve(echo);
 * ```
 */
export async function serve(
  definition: PluginDefinition,
  options: ServeOptions = {},
): Promise<ServingPlugin> {
  // A definition made without definePlugin gets the same checks.
  const problems = definitionProblems(definition);
  if (problems.length > 0) throw new PluginDefinitionError(problems);
  const { metadata } = definition;
  const logger = options.logger ??
    new JsonLogger(domainLoggerName(metadata.name, metadata.version), { sink: writerSink() });
  const exit = options.exit ?? true;
  let args;
  try {
    args = parsePluginArgs(options.args ?? Deno.args);
  } catch (error) {
    logger.error(`cannot start: ${(error as Error).message}`);
    if (exit) Deno.exit(64);
    throw error;
  }
  if (args.ignored.length > 0) logger.warn("ignored unknown arguments", { args: args.ignored });

  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => markStopped = resolve);
  let data: DataServer | undefined;
  let grpcServing: GrpcServing | undefined;
  const stop = (reason: string, drain = true) =>
    stopping ??= (async () => {
      logger.info(`stopping: ${reason}`);
      // However the plugin's own shutdown hook behaves, the process is gone within the drain
      // time: a host that died must not leave it running.
      const deadline = exit ? setTimeout(() => Deno.exit(0), DRAIN_MS + 300) : undefined;
      await service.stop();
      await data?.close();
      await grpcServing?.stop(drain ? DRAIN_MS : 0);
      removeSignals();
      clearTimeout(deadline);
      markStopped();
      if (exit) Deno.exit(0);
    })();
  // The Shutdown RPC answers first; the process stops right after.
  const service = new PluginService(
    definition,
    logger,
    () => setTimeout(() => stop("Shutdown called"), 0),
  );
  if (args.dataDir) service.dataDir = args.dataDir;

  let address: PluginAddress;
  if (args.dataSocket) {
    service.extraCapabilities.push(
      CAPABILITIES.dataChannel,
      CAPABILITIES.websocketChannel,
      CAPABILITIES.jobChannel,
    );
    data = new DataServer(
      args.dataSocket,
      (request) => service.respond(request),
      logger,
      (connect, transport) =>
        openSocket(connect, definition.websocket ?? {}, service.context, logger, transport),
      (method, request, signal) => service.answerCall(method, request, signal),
    );
    address = { kind: "channel", path: args.dataSocket };
  } else {
    const { serveGrpc } = await import("./grpc_service.ts");
    grpcServing = await serveGrpc(service, args.address);
    address = grpcServing.address;
  }
  writeLine(readyLine(address));

  const onSignal = () => stop("signal received");
  const signals = ["SIGTERM", "SIGINT"] as const;
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const removeSignals = () =>
    signals.forEach((signal) => Deno.removeSignalListener(signal, onSignal));
  // With the host gone there is no one to answer: stop at once.
  if (args.watchStdin) watchStdin(() => stop("the host closed stdin (it has exited)", false));

  return { address, service, stopped, stop };
}

function writeLine(line: string): void {
  const bytes = new TextEncoder().encode(`${line}\n`);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/**
 * Reads stdin only to see it end. Plain reads, not `Deno.stdin.readable`: the first stream a
 * process makes loads Deno's web streams (~10 ms, measured in a start's CPU profile), which a
 * plugin that never touches a body would pay for nothing at every start.
 */
function watchStdin(onEnd: () => void): void {
  (async () => {
    const buffer = new Uint8Array(256);
    try {
      // The host sends nothing; reading only detects the end.
      while (await Deno.stdin.read(buffer) !== null);
    } catch {
      // a read error means the same as the end: the host is gone
    }
    onEnd();
  })();
}
