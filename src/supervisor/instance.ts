import * as grpc from "@grpc/grpc-js";
import { join, relative } from "node:path";
import { containPaths } from "./contained_paths.ts";
import { MANIFEST_FILE, readManifest } from "./manifest.ts";
import { askMessage, type HostAddress, pendingAsks } from "./permission_request.ts";
import type { Grants } from "./sandbox.ts";
import { sleep } from "../async/mod.ts";
import { type ConfigSchema, type Logger, PluginCallError } from "../plugin/mod.ts";
import {
  callUnary,
  CAPABILITIES,
  CHANNEL_OPTIONS,
  type ChannelSocket,
  type ChannelSocketEvents,
  domain,
  grpcTarget,
  isUnimplemented,
  type UnaryMethod,
} from "../protocol/mod.ts";
import type { FoundPlugin } from "./discovery.ts";
import { launchCommand } from "./launch_command.ts";
import type { LogBuffer } from "./log_buffer.ts";
import type {
  ServedServices,
  ServiceOwners,
  SupervisionTimeouts,
  SupervisorContext,
} from "./supervisor_context.ts";
import {
  type LaunchFolder,
  makeLaunchFolder,
  removeLaunchFolder,
  socketIdentity,
} from "./launch_folder.ts";
import { type ExitStatus, PluginProcess } from "./plugin_process.ts";
import { type DeniedAccess, PermissionAudit } from "./permission_audit.ts";
import { toConfigSchema } from "./remote_plugin.ts";
import { DataClient, type StreamedResponse } from "./data_client.ts";

/** One launch of a plugin: its process, connection and token live and die together. */
export interface Instance {
  generation: number;
  process: PluginProcess;
  /** The launch's private folder: its sockets and the host's service socket for it. */
  folder: LaunchFolder;
  /** The host's services as served to this launch alone. */
  services?: ServedServices;
  /** The identity of the service socket when the host made it (see {@link hostSocketIntact}). */
  hostSocketId?: string;
  /** Set when the host stopped it for something a restart will not cure (tampering). */
  permanent?: boolean;
  client: domain.DomainPluginServiceClient;
  token: string;
  metadata: domain.MetadataResponse;
  schema: ConfigSchema;
  /** Set once a stop of this instance began: its exit is not a crash. */
  stopping: boolean;
  /** Why the host killed it, when it did (hung, failed to initialize). */
  killedBecause?: string;
  /** Answer of the last Initialize: handlers, schedules and routes of this process. */
  declared?: domain.InitializeResponse;
  /** Reads the accesses Deno denied this process, when the host knows its grant. */
  audit?: PermissionAudit;
  /** Calls under way (HTTP, jobs), which a stop lets finish within the drain time. */
  inFlight: number;
  /** The data channel to the process, when it serves one: HTTP goes there, not over gRPC. */
  data?: DataClient;
  /** Open WebSocket streams; a stop cuts them so their clients learn at once. */
  streams: Set<grpc.ClientDuplexStream<domain.WebSocketMessage, domain.WebSocketMessage>>;
  /** Wakes a stop waiting for the calls under way to finish. */
  onIdle?: () => void;
}

/**
 * Runs a call into the instance, counted so a stop can wait for it. Refused while the instance
 * is stopping: new work goes elsewhere (503), work under way finishes.
 */
export async function tracked<T>(
  instance: Instance,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  if (instance.stopping) {
    throw new PluginCallError(
      "draining",
      `plugin "${name}" is stopping; it finishes the calls under way`,
    );
  }
  instance.inFlight++;
  try {
    return await work();
  } finally {
    instance.inFlight--;
    if (instance.inFlight === 0) instance.onIdle?.();
  }
}

/** Resolves when no call is under way, or after `ms`. */
async function drain(instance: Instance, ms: number): Promise<void> {
  if (instance.inFlight === 0) return;
  const done = new AbortController();
  await Promise.race([
    new Promise<void>((resolve) => instance.onIdle = resolve),
    sleep(ms, done.signal),
  ]);
  done.abort();
}

/** A gRPC failure of a call into a plugin, as the edge understands it. */
export function callFailure(name: string, error: unknown, signal?: AbortSignal): PluginCallError {
  if (error instanceof PluginCallError) return error;
  if (signal?.aborted) {
    return new PluginCallError("cancelled", `the caller of plugin "${name}" went away`);
  }
  const code = (error as grpc.ServiceError | undefined)?.code;
  const detail = (error as grpc.ServiceError | undefined)?.details ||
    (error as Error | undefined)?.message;
  if (code === grpc.status.DEADLINE_EXCEEDED) {
    return new PluginCallError("timeout", `plugin "${name}" did not answer in time`, {
      cause: error,
    });
  }
  return new PluginCallError("unreachable", `plugin "${name}" could not be reached: ${detail}`, {
    cause: error,
  });
}

/** A failure that a restart cannot fix: the operator must act. */
export class PermanentFailure extends Error {
  override name = "PermanentFailure";
}

/** Calls a unary RPC of an instance with a deadline. */
export function instanceCall<Req, Res>(
  instance: Instance,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Res> {
  return callUnary(method.bind(instance.client), request, deadlineMs, signal);
}

/**
 * Starts a process of `found` and checks who answers: its Metadata must carry the expected
 * name. Fetches its configuration schema and issues its token. A process that fails any step
 * is stopped before the error is thrown.
 */
export async function launchInstance(
  found: FoundPlugin,
  context: SupervisorContext,
  generation: number,
  logs: LogBuffer,
  onDenied: (access: DeniedAccess) => void,
): Promise<Instance> {
  const folder = await makeLaunchFolder(context.runtimeDir, found.name, generation);
  const auditFile = join(context.runtimeDir, `${found.name}.audit.jsonl`);
  await Deno.remove(auditFile).catch(() => {});
  const dataDir = join(context.dataDir, found.name);
  await Deno.mkdir(dataDir, { recursive: true });
  let services: ServedServices | undefined;
  try {
    // The host's services for this launch alone: its token is good on this socket only.
    services = await context.serveServices?.(
      folder.hostSocket,
      launchOwners(context, found.name, generation, onDenied),
    );
    const contained = await containFound(
      found,
      dataDir,
      context.grants(found.name),
      context.hostAddress?.() ?? { hostname: "127.0.0.1", port: 8877 },
    );
    const command = launchCommand(contained.found, {
      execPath: context.execPath,
      denoConfig: context.denoConfig,
      paths: {
        pluginDir: contained.found.dir,
        dataDir: contained.dataDir,
        socket: folder.socket,
        dataSocket: folder.dataSocket,
        hostSockets: services ? [folder.hostSocket] : [],
      },
      tcpPort: found.kind === "qntx-executable" ? freePort() : 0,
      grants: contained.grants,
      hostEnv: context.hostEnv,
      auditFile,
    });
    if (!command.ok) throw new PermanentFailure(command.refused.join("; "));
    const process = await PluginProcess.launch({
      name: found.name,
      command: command.command,
      args: command.args,
      env: command.env,
      cwd: found.dir,
      address: command.address,
      startTimeoutMs: context.timeouts.start,
    }, logs);
    context.ledger.add(found.name, process.pid);
    const instance: Instance = {
      generation,
      process,
      folder,
      services,
      hostSocketId: await socketIdentity(folder.hostSocket),
      client: new domain.DomainPluginServiceClient(
        grpcTarget(process.address),
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      ),
      token: "",
      metadata: domain.MetadataResponse.fromPartial({}),
      schema: {},
      stopping: false,
      inFlight: 0,
      streams: new Set(),
    };
    if (command.granted) {
      instance.audit = new PermissionAudit(auditFile, command.granted, onDenied);
    }
    try {
      await checkInstance(instance, found, context);
    } catch (error) {
      instance.stopping = true;
      await terminateInstance(instance, context.timeouts, context.logger, found.name);
      instance.client.close();
      context.ledger.remove(process.pid);
      throw error;
    }
    instance.token = context.tokens.issue({
      plugin: found.name,
      version: instance.metadata.version,
      generation,
    });
    return instance;
  } catch (error) {
    await services?.close();
    await removeLaunchFolder(folder);
    throw error;
  }
}

/**
 * The plugin as it is launched: its folders and the operator's paths resolved (no link leads
 * out of what it is granted), or a {@link PermanentFailure} naming each link that would.
 */
async function containFound(
  found: FoundPlugin,
  dataDir: string,
  grants: Grants,
  host: HostAddress,
): Promise<{ found: FoundPlugin; dataDir: string; grants: Grants }> {
  if (found.kind !== "qntx-executable") {
    // Read again at every launch: what is granted is what the manifest on disk asks now.
    const current = await readManifest(join(found.dir, MANIFEST_FILE)).catch((error) => {
      throw new PermanentFailure((error as Error).message);
    });
    found = { ...found, manifest: current.manifest, manifestSha256: current.sha256 };
    const asks = pendingAsks(
      found.name,
      current.manifest.permissions,
      current.manifest.memory_mb,
      grants,
      current.sha256,
      host,
    );
    if (asks.pending.length > 0 || asks.byNameOnly.length > 0) {
      throw new PermanentFailure(askMessage(found.name, asks, current.sha256));
    }
  }
  const paths = await containPaths(
    found.name,
    { pluginDir: found.dir, dataDir },
    found.kind === "qntx-executable" ? [] : found.manifest.permissions.write,
    grants,
    // A QNTX program lies directly in a search path: that folder is other plugins' too, and
    // only its confinement (a read-only view of it) is what the program is given.
    found.kind !== "qntx-executable",
  );
  if (!paths.ok) throw new PermanentFailure(paths.problems.join("; "));
  const moved = (file: string) => join(paths.pluginDir, relative(found.dir, file));
  const resolved: FoundPlugin = found.kind === "deno"
    ? { ...found, dir: paths.pluginDir, entry: moved(found.entry) }
    : { ...found, dir: paths.pluginDir, executable: moved(found.executable) };
  return {
    found: resolved,
    dataDir: paths.dataDir,
    grants: { ...grants, read: paths.read, write: paths.write },
  };
}

/** Who answers must be the plugin expected; then its schema and its data channel. */
async function checkInstance(
  instance: Instance,
  found: FoundPlugin,
  context: SupervisorContext,
): Promise<void> {
  instance.metadata = await instanceCall(
    instance,
    instance.client.metadata,
    {},
    context.timeouts.call,
  );
  if (instance.metadata.name !== found.name) {
    throw new PermanentFailure(
      `the process started for plugin "${found.name}" says its name is "${instance.metadata.name}"`,
    );
  }
  instance.schema = await fetchSchema(instance, context.timeouts.call);
  if (instance.metadata.capabilities.includes(CAPABILITIES.dataChannel)) {
    instance.data = await DataClient.connect(found.name, instance.folder.dataSocket).catch(
      (error) => {
        context.logger.warn(
          `plugin "${found.name}" offers a data channel the host cannot open; using gRPC`,
          { plugin: found.name, error },
        );
        return undefined;
      },
    );
  }
}

/**
 * The tokens one launch's service socket accepts: its own. A token of another plugin (or of an
 * earlier launch) shown there is refused like a forged one, and recorded: it can only have
 * been stolen.
 */
function launchOwners(
  context: SupervisorContext,
  name: string,
  generation: number,
  onDenied: (access: DeniedAccess) => void,
): ServiceOwners {
  return {
    owner(token) {
      const owner = context.tokens.owner(token);
      if (!owner) return undefined;
      if (owner.plugin === name && owner.generation === generation) return owner;
      const value = `showed the token of plugin "${owner.plugin}" (launch ${owner.generation}) ` +
        `on the service socket of plugin "${name}" (launch ${generation})`;
      context.logger.warn(`plugin "${name}" ${value}; refused`, { plugin: name });
      onDenied({ at: Date.now(), permission: "token", value });
      return undefined;
    },
  };
}

/**
 * Whether the host's service socket of this launch is still the one the host made. The plugin
 * may write its own sockets (Deno needs that to connect), so it could remove or replace this
 * one: that only cuts it off from the host's services, and the host stops it for it.
 */
export async function hostSocketIntact(instance: Instance): Promise<boolean> {
  if (!instance.services || instance.hostSocketId === undefined) return true;
  return await socketIdentity(instance.folder.hostSocket) === instance.hostSocketId;
}

/** Releases what a launch held once its process is gone: its service socket and its folder. */
export async function releaseInstance(instance: Instance): Promise<void> {
  await instance.services?.close();
  await removeLaunchFolder(instance.folder);
}

async function fetchSchema(instance: Instance, deadlineMs: number): Promise<ConfigSchema> {
  try {
    return toConfigSchema(
      await instanceCall(instance, instance.client.configSchema, {}, deadlineMs),
    );
  } catch (error) {
    // A plugin that does not declare the capability may lack the RPC; one that does may not.
    const declared = instance.metadata.capabilities.includes(CAPABILITIES.configSchema);
    if (isUnimplemented(error) && !declared) return {};
    throw error;
  }
}

/**
 * Stops one process, each step bounded: calls under way finish (up to the drain time), then
 * the Shutdown RPC, then SIGTERM to its process group, then SIGKILL; stdin is closed too, so an
 * SDK plugin knows the host let go. Resolves once the process has exited.
 */
export async function terminateInstance(
  instance: Instance,
  timeouts: SupervisionTimeouts,
  logger: Logger,
  name: string,
): Promise<void> {
  const { process } = instance;
  instance.stopping = true;
  if (process.exit === undefined) await drain(instance, timeouts.drain);
  for (const stream of instance.streams) stream.cancel();
  instance.data?.close();
  const waitExit = async (ms: number) => {
    const done = new AbortController();
    try {
      return await Promise.race([
        process.exited.then(() => true),
        sleep(ms, done.signal).then(() => process.exit !== undefined),
      ]);
    } finally {
      done.abort();
    }
  };
  if (process.exit === undefined) {
    try {
      await instanceCall(instance, instance.client.shutdown, {}, timeouts.call);
    } catch {
      // a plugin that is gone or hung is dealt with below
    }
  }
  if (!(await waitExit(timeouts.grace))) {
    process.signal("SIGTERM");
    if (!(await waitExit(timeouts.grace))) {
      logger.warn(`plugin "${name}" ignored SIGTERM; killing it`, {
        plugin: name,
        pid: process.pid,
      });
      process.signal("SIGKILL");
    }
  }
  await process.closeStdin();
  await process.exited;
}

/** A free TCP port on the loopback interface, for a QNTX executable's `--port`. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Calls a unary RPC of an instance on behalf of a client (an HTTP request, a job), counted for
 * drain, failures as {@link PluginCallError}.
 */
export function forwardUnary<Req, Res>(
  instance: Instance | undefined,
  name: string,
  method: (client: domain.DomainPluginServiceClient) => UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<Res> {
  if (!instance) {
    return Promise.reject(
      new PluginCallError("unreachable", `plugin "${name}" has no running process`),
    );
  }
  return tracked(instance, name, async () => {
    try {
      return await instanceCall(instance, method(instance.client), request, deadlineMs, signal);
    } catch (error) {
      throw callFailure(name, error, signal);
    }
  });
}

/** Opens a WebSocket stream to an instance; the instance cuts it when it stops. */
export function openStream(
  instance: Instance | undefined,
  name: string,
): grpc.ClientDuplexStream<domain.WebSocketMessage, domain.WebSocketMessage> {
  if (!instance || instance.stopping) {
    throw new PluginCallError("unreachable", `plugin "${name}" has no running process`);
  }
  const stream = instance.client.handleWebSocket();
  instance.streams.add(stream);
  const forget = () => instance.streams.delete(stream);
  stream.on("end", forget);
  stream.on("error", forget);
  return stream;
}

/**
 * Opens a WebSocket session over the instance's data channel; null when the process does not
 * offer it (capability `websocket_channel`), and the caller then uses `HandleWebSocket`. A stop
 * closes the channel, which ends its sessions.
 */
export function openChannelSocket(
  instance: Instance | undefined,
  name: string,
  connect: Record<string, string>,
  events: ChannelSocketEvents,
  maxMessageBytes: number,
): ChannelSocket | null {
  const data = instance?.data;
  if (!instance || !data || data.closed) return null;
  if (!instance.metadata.capabilities.includes(CAPABILITIES.websocketChannel)) return null;
  if (instance.stopping) {
    throw new PluginCallError("unreachable", `plugin "${name}" has no running process`);
  }
  return data.openWebSocket(connect, events, maxMessageBytes);
}

/**
 * Sends one HTTP request over the instance's data channel, bodies streaming both ways; null when
 * the instance has none (the caller then uses unary `HandleHTTP`). Counted for drain until the
 * response body has been delivered.
 */
export function forwardStream(
  instance: Instance | undefined,
  name: string,
  head: domain.HTTPRequest,
  body: ReadableStream<Uint8Array> | null,
  deadlineMs: number,
  signal?: AbortSignal,
): Promise<StreamedResponse> | null {
  const data = instance?.data;
  if (!instance || !data || data.closed) return null;
  if (instance.stopping) {
    return Promise.reject(
      new PluginCallError(
        "draining",
        `plugin "${name}" is stopping; it finishes the calls under way`,
      ),
    );
  }
  instance.inFlight++;
  return data.request(head, body, deadlineMs, signal, () => {
    instance.inFlight--;
    if (instance.inFlight === 0) instance.onIdle?.();
  });
}

/** How long a failed call waits to see whether the process is exiting. */
export const EXIT_GRACE_MS = 200;

/** The process's exit if it comes within `ms`, else undefined. */
export async function exitWithin(instance: Instance, ms: number): Promise<ExitStatus | undefined> {
  const done = new AbortController();
  try {
    return await Promise.race([
      instance.process.exited,
      sleep(ms, done.signal).then(() => undefined),
    ]);
  } finally {
    done.abort();
  }
}
