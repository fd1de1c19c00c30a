import * as grpc from "@grpc/grpc-js";
import { DeadlineError, sleep } from "../async/mod.ts";
import { type ConfigSchema, type Logger, PluginCallError } from "../plugin/mod.ts";
import {
  callUnary,
  CAPABILITIES,
  type ChannelSocket,
  type ChannelSocketEvents,
  type domain,
  type StreamedResponse,
  type UnaryMethod,
} from "../protocol/mod.ts";
import type {
  ServedServices,
  SupervisionTimeouts,
  SupervisorContext,
} from "./supervisor_context.ts";
import { type LaunchFolder, removeLaunchFolder, socketIdentity } from "./launch_folder.ts";
import type { ExitStatus, PluginProcess } from "./plugin_process.ts";
import type { DeniedLog, PermissionAudit } from "./permission_audit.ts";
import type { DataClient } from "./data_client.ts";

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
  /** Health probes in a row this launch did not answer (see process_health.ts). */
  healthMisses?: number;
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
 * Calls a lifecycle RPC of an instance within `deadlineMs` (the call's one deadline); a missed
 * deadline is a {@link DeadlineError} naming `what` (the call and the plugin) and the time.
 */
export async function lifecycleCall<Req, Res>(
  instance: Instance,
  what: string,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadlineMs: number,
): Promise<Res> {
  try {
    return await instanceCall(instance, method, request, deadlineMs);
  } catch (error) {
    if ((error as grpc.ServiceError | undefined)?.code !== grpc.status.DEADLINE_EXCEEDED) {
      throw error;
    }
    throw new DeadlineError(what, deadlineMs);
  }
}

/**
 * Whether the host's service socket of this launch is still the one the host made. The plugin
 * may write its own sockets (Deno needs that to connect), so it could remove or replace this
 * one: that only cuts it off from the host's services, and the host stops it for it.
 */
export function hostSocketIntact(instance: Instance): boolean {
  if (!instance.services || instance.hostSocketId === undefined) return true;
  return socketIdentity(instance.folder.hostSocket) === instance.hostSocketId;
}

/**
 * Stops a plugin that removed or replaced the host's service socket in its launch folder: it
 * could only hurt itself, but a plugin that tampers with the host's sockets is not restarted
 * until the operator says so. Recorded with its denied accesses; throws the reason.
 */
export function checkHostSocket(
  instance: Instance,
  name: string,
  denied: DeniedLog,
  logger: Logger,
): void {
  if (hostSocketIntact(instance)) return;
  const reason = "removed or replaced the host's service socket in its launch folder " +
    `(${instance.folder.hostSocket}); it is stopped and not restarted until an operator ` +
    "restarts or enables it";
  denied.add({ at: Date.now(), permission: "socket", value: instance.folder.hostSocket });
  if (!instance.permanent) {
    instance.permanent = true;
    instance.killedBecause = reason;
    logger.error(`plugin "${name}" ${reason}`, { plugin: name, pid: instance.process.pid });
    instance.process.signal("SIGKILL");
  }
  throw new PermanentFailure(reason);
}

/**
 * Releases what a launch held once its process is gone: its token, connections, record, service
 * socket and folder.
 */
export async function releaseInstance(
  instance: Instance,
  context: Pick<SupervisorContext, "tokens" | "ledger">,
): Promise<void> {
  context.ledger.remove(instance.process.pid);
  context.tokens.revoke(instance.token);
  instance.client.close();
  instance.data?.close();
  await instance.services?.close();
  await removeLaunchFolder(instance.folder);
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
