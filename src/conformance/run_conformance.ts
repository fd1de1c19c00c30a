import * as grpc from "@grpc/grpc-js";
import { sleep } from "../async/mod.ts";
import { CHANNEL_OPTIONS, domain, grpcTarget } from "../protocol/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import { freePort, LogBuffer, PluginProcess } from "../supervisor/mod.ts";
import { ConformanceHost } from "./conformance_host.ts";
import { type Finding, Findings } from "./findings.ts";
import {
  checkConfigSchema,
  checkGlyphs,
  checkInitialize,
  checkMetadata,
  checkReconfigure,
} from "./handshake_steps.ts";
import { checkHealth, checkJobs, checkRoutes, checkWebSocket } from "./serve_steps.ts";
import { checkShutdown, checkStdinIgnored, checkWatchStdin } from "./stop_steps.ts";
import { type DenoRuntime, findTarget, type Target } from "./target.ts";
import { timed } from "./timed.ts";

/** What to check and how. */
export interface ConformanceOptions {
  /** A program, a folder in QNTX's tree layout, or a plugin folder with `plugin.json`. */
  path: string;
  runtime: DenoRuntime;
  /** The host version the plugin's `qntx_version` is checked against. */
  hostVersion: string;
  /** Arguments after `--port <n>` (QNTX's `[<name>] args`). */
  args?: string[];
  /** Settings sent in `Initialize` over the schema's defaults. */
  config?: Record<string, string>;
  /** Jobs to run: handler → JSON payload. */
  jobs?: Record<string, string>;
  /** The query of the WebSocket's URL (QNTX passes it as gRPC metadata). */
  wsQuery?: string;
  /** The environment the plugin gets (QNTX's host passes its own). */
  env?: Record<string, string>;
  /** Told of each finding as it is made. */
  onFinding?: (finding: Finding) => void;
  /** The processes running now, for a caller that must kill them when it is interrupted. */
  live?: Set<PluginProcess>;
}

export interface ConformanceReport {
  plugin: string;
  /** What was checked and how it ran. */
  target: string;
  findings: Finding[];
  /** The plugin's last stderr lines, for a reader of failures. */
  stderr: string[];
}

/** The host's default for a plugin to print its ready line (`[plugin] start_timeout`). */
const START_MS = 10_000;
/** How long after its port accepts a connection a plugin's ready line may still come. */
const LINE_GRACE_MS = 1_000;

/**
 * Drives the plugin at `options.path` through the protocol as QNTX's host does: launch with
 * `--port`, the ready line, Metadata, ConfigSchema, Initialize with real service endpoints,
 * RegisterGlyphs, its routes, a WebSocket, jobs, Health, Shutdown; then a second launch with
 * `--watch-stdin` whose stdin is closed. Never throws for the plugin's faults: they are findings.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const findings = new Findings(options.onFinding);
  const logs = new LogBuffer(2000);
  let target: Target;
  try {
    target = await findTarget(options.path, options.runtime);
  } catch (error) {
    findings.fail("find", reasonOf(error));
    return { plugin: "", target: options.path, findings: findings.list, stderr: [] };
  }
  const report = () => ({
    plugin: target.name,
    target: target.describe,
    findings: findings.list,
    stderr: logs.lastStderr(20),
  });
  const host = await ConformanceHost.open(target.name);
  try {
    const process = await launch(target, options, [], logs, findings);
    if (!process) return report();
    try {
      // QNTX's host gives a plugin no stdin: it must not take that as a reason to stop.
      await process.closeStdin();
      const client = new domain.DomainPluginServiceClient(
        grpcTarget(process.address),
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      try {
        await converse(client, process, target, host, options, findings);
      } finally {
        client.close();
      }
    } finally {
      await end(process, options.live);
    }
    const watching = await launch(target, options, ["--watch-stdin"], logs, findings);
    if (watching) {
      try {
        await checkWatchStdin(watching, findings);
      } finally {
        await end(watching, options.live);
      }
    }
    return report();
  } finally {
    await host.close();
  }
}

/** Kills a process the run started, if it still runs, and forgets it. */
async function end(process: PluginProcess, live?: Set<PluginProcess>): Promise<void> {
  if (!process.exit) process.signal("SIGKILL");
  await process.exited;
  live?.delete(process);
}

/** Everything said over one process's gRPC connection, from Metadata to Shutdown. */
async function converse(
  client: domain.DomainPluginServiceClient,
  process: PluginProcess,
  target: Target,
  host: ConformanceHost,
  options: ConformanceOptions,
  findings: Findings,
): Promise<void> {
  const metadata = await checkMetadata(client, target.name, options.hostVersion, findings);
  if (!metadata) return;
  host.admit(metadata.version);
  const defaults = await checkConfigSchema(client, metadata, findings);
  const config = { ...defaults, ...options.config };
  const answer = await checkInitialize(client, host, config, findings);
  if (!answer) return;
  await checkGlyphs(client, findings);
  await checkRoutes(client, answer.httpRoutes, findings);
  await checkWebSocket(
    client,
    options.wsQuery ?? "",
    metadata.capabilities.includes("websocket"),
    findings,
  );
  await checkJobs(client, answer.handlerNames, options.jobs ?? {}, findings);
  await checkReconfigure(client, metadata, host.initializeRequest(config), answer, findings);
  await checkHealth(client, findings);
  checkServices(host, findings);
  checkStdinIgnored(process, findings);
  await checkShutdown(client, process, findings);
}

/** What the plugin did with the host's services, and what they refused. */
function checkServices(host: ConformanceHost, findings: Findings): void {
  const made = host.created;
  if (made > 0) findings.pass("services", `made ${made} attestations through the host's store`);
  for (const refused of host.warnings()) {
    findings.fail("services", `a call to the host's services was refused: ${refused}`);
  }
}

/** Starts one process as QNTX's host does, and checks its ready line. */
async function launch(
  target: Target,
  options: ConformanceOptions,
  extra: string[],
  logs: LogBuffer,
  findings: Findings,
): Promise<PluginProcess | undefined> {
  const step = "launch";
  const port = freePort();
  const { command, args } = target.command(port, [...(options.args ?? []), ...extra]);
  const shown = [command, ...args].join(" ");
  try {
    const [process, ms] = await timed(() =>
      PluginProcess.launch({
        name: target.name,
        command,
        args,
        env: options.env ?? Deno.env.toObject(),
        cwd: target.found.dir,
        address: { kind: "tcp", port },
        startTimeoutMs: START_MS,
      }, logs)
    );
    options.live?.add(process);
    // The port may accept a moment before the line is read: give the line that moment.
    for (let waited = 0; !process.readyLine && waited < LINE_GRACE_MS; waited += 20) {
      await sleep(20);
    }
    const line = process.readyLine;
    if (line) {
      const chosen = process.address.kind === "tcp" && process.address.port !== port;
      findings.pass(
        step,
        `${shown}: printed ${line} after ${ms} ms${chosen ? " (a port of its own)" : ""}`,
      );
    } else {
      findings.warn(
        step,
        `${shown}: printed no QNTX_PLUGIN_PORT=<n> line; taken as ready when port ${port} ` +
          `accepted a connection (${ms} ms). Print the line once serving`,
      );
    }
    return process;
  } catch (error) {
    findings.fail(step, `${shown}: ${reasonOf(error)}`);
    return undefined;
  }
}
