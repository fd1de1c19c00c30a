import * as grpc from "@grpc/grpc-js";
import { DeadlineError, sleep } from "../async/mod.ts";
import { type ConfigSchema, type Logger, PluginCallError } from "../plugin/mod.ts";
import {
  CallStatus,
  callUnary,
  CAPABILITIES,
  CHANNEL_OPTIONS,
  type ChannelRequest,
  type ChannelResponse,
  type ChannelRpc,
  type ChannelSocket,
  type ChannelSocketEvents,
  type domain,
  grpcTarget,
  MAX_MESSAGE_BYTES,
  search,
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
import type { PermissionAudit } from "./permission_audit.ts";
import type { DataClient } from "./data_client.ts";
import { callError, channelCall } from "./channel_calls.ts";
import { grpcCallFailure } from "./grpc_call_failure.ts";
import { GrpcClient, type UnaryMethod as H2Method } from "../h2c/mod.ts";
import { EXECUTE_JOB } from "./plugin_methods.ts";

type FrameStream = grpc.ClientDuplexStream<domain.WebSocketMessage, domain.WebSocketMessage>;

/** A failure that a restart cannot fix: the operator must act. */
export class PermanentFailure extends Error {
  override name = "PermanentFailure";
}

/** How long a failed call waits to see whether the process is exiting. */
export const EXIT_GRACE_MS = 200;

/** What a launch starts with; the rest is learnt as it is checked and initialized. */
export interface ConnectionInit {
  name: string;
  generation: number;
  process: PluginProcess;
  folder: LaunchFolder;
  services?: ServedServices;
  /** None when the process serves everything on its data channel (no gRPC). */
  client?: domain.DomainPluginServiceClient;
}

/**
 * One launch of a plugin and the host's connection to it: its process, gRPC client, data
 * channel, WebSocket streams and token live and die together. Every call a client makes
 * through it (HTTP, jobs, WebSockets) is counted, so a stop lets the calls under way finish; a
 * stopping connection takes no new ones.
 */
export class PluginConnection {
  readonly name: string;
  readonly generation: number;
  readonly process: PluginProcess;
  /** The launch's private folder: its sockets and the host's service socket for it. */
  readonly folder: LaunchFolder;
  /** The host's services as served to this launch alone. */
  readonly services?: ServedServices;
  /** Its gRPC client; none when it serves everything on its data channel. */
  readonly client?: domain.DomainPluginServiceClient;
  /** The identity of the service socket when the host made it (see host_socket_check.ts). */
  readonly hostSocketId?: string;
  token = "";
  metadata: domain.MetadataResponse;
  schema: ConfigSchema = {};
  /** Set once a stop of this launch began: its exit is not a crash. */
  stopping = false;
  /** Set when the host stopped it for something a restart will not cure (tampering). */
  permanent = false;
  /** Why the host killed it, when it did (hung, failed to initialize). */
  killedBecause?: string;
  /** Answer of the last Initialize: handlers, schedules and routes of this process. */
  declared?: domain.InitializeResponse;
  /** The configuration its last Initialize carried (JSON), to see a change made meanwhile. */
  configSent?: string;
  /** Reads the accesses Deno denied this process, when the host knows its grant. */
  audit?: PermissionAudit;
  /** The data channel to the process, when it serves one: HTTP goes there, not over gRPC. */
  data?: DataClient;
  /** Health probes in a row this launch did not answer (see process_health.ts). */
  healthMisses = 0;
  /** The glyph types it adds to the UI (`RegisterGlyphs`, asked after each Initialize). */
  glyphs: domain.GlyphDef[] = [];
  /** Its `SearchService`, once it declared `search_provider`. */
  search?: search.SearchServiceClient;
  /** The HTTP/2 client of its calls made for clients (gRPC processes). */
  #calls?: GrpcClient;
  /** Calls under way (HTTP, jobs, streamed answers), which a stop lets finish. */
  #inFlight = 0;
  /** Wakes a stop waiting for the calls under way to finish. */
  #onIdle?: () => void;
  /** Open WebSocket streams; a stop cuts them so their clients learn at once. */
  readonly #streams = new Set<FrameStream>();

  constructor(init: ConnectionInit, metadata: domain.MetadataResponse) {
    this.name = init.name;
    this.generation = init.generation;
    this.process = init.process;
    this.folder = init.folder;
    this.services = init.services;
    this.client = init.client;
    this.metadata = metadata;
    if (init.services?.socket) this.hostSocketId = socketIdentity(init.services.socket);
  }

  /** The client of its `SearchService`, made once, on the same connection as `client`. */
  searchClient(): search.SearchServiceClient {
    return this.search ??= new search.SearchServiceClient(
      grpcTarget(this.process.address),
      grpc.credentials.createInsecure(),
      { ...CHANNEL_OPTIONS, channelOverride: this.#grpc().getChannel() },
    );
  }

  /** Whether the process announced a capability (see CAPABILITIES). */
  offers(capability: string): boolean {
    return this.metadata.capabilities.includes(capability);
  }

  /** Whether it serves its control (Metadata, Initialize, Health, …) on the data channel. */
  get controlOnChannel(): boolean {
    return this.process.address.kind === "channel";
  }

  /**
   * Calls one of its unary RPCs by name with a deadline (the host's own calls: not counted):
   * on the data channel when it serves its control there, else over gRPC.
   */
  call<K extends ChannelRpc>(
    rpc: K,
    request: ChannelRequest<K>,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<ChannelResponse<K>> {
    // Its data channel is open before the first call (launch.ts); once closed, calls fail.
    if (this.controlOnChannel && this.data) {
      return this.data.call(channelCall(rpc, request, deadlineMs, signal));
    }
    const client = this.#grpc();
    const method = client[rpc] as unknown as UnaryMethod<ChannelRequest<K>, ChannelResponse<K>>;
    return callUnary(method.bind(client), request, deadlineMs, signal);
  }

  /**
   * Calls a lifecycle RPC within `deadlineMs` (the call's one deadline); a missed deadline is a
   * {@link DeadlineError} naming `what` (the call and the plugin) and the time.
   */
  async lifecycleCall<K extends ChannelRpc>(
    what: string,
    rpc: K,
    request: ChannelRequest<K>,
    deadlineMs: number,
  ): Promise<ChannelResponse<K>> {
    try {
      return await this.call(rpc, request, deadlineMs);
    } catch (error) {
      const code = (error as grpc.ServiceError | undefined)?.code;
      if (code !== grpc.status.DEADLINE_EXCEEDED) throw error;
      throw new DeadlineError(what, deadlineMs);
    }
  }

  /**
   * Calls a unary RPC for a client (an HTTP request, a job), counted for drain, on the host's
   * own HTTP/2 client (a fraction of grpc-js's cost per call); failures are
   * {@link PluginCallError}s.
   */
  unary<Req, Res>(
    method: H2Method<Req, Res>,
    request: Req,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Res> {
    return this.#tracked(async () => {
      try {
        return await this.#h2c().call(method, request, deadlineMs, signal);
      } catch (error) {
        throw grpcCallFailure(this.name, error, signal);
      }
    });
  }

  /**
   * Runs one job: over the data channel when the process offers it (`job_channel`), which
   * costs a fraction of a gRPC call, else `ExecuteJob`. Counted for drain.
   */
  executeJob(
    request: domain.ExecuteJobRequest,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<domain.ExecuteJobResponse> {
    const data = this.#channel();
    if (!data || !this.offers(CAPABILITIES.jobChannel)) {
      return this.unary(EXECUTE_JOB, request, deadlineMs, signal);
    }
    return this.#tracked(() => data.call(channelCall("executeJob", request, deadlineMs, signal)));
  }

  /**
   * Sends one HTTP request over the data channel, bodies streaming both ways; null when the
   * process has none (the caller then uses unary `HandleHTTP`). Counted for drain until the
   * response body has been delivered.
   */
  stream(
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    caller?: { readonly signal: AbortSignal },
  ): Promise<StreamedResponse> | null {
    const data = this.#channel();
    if (!data) return null;
    if (this.stopping) return Promise.reject(this.#draining());
    this.#inFlight++;
    return data.request(head, body, deadlineMs, caller, () => this.#done());
  }

  /**
   * Opens a `HandleWebSocket` stream, with `metadata` as the call's gRPC metadata (QNTX passes
   * the URL's query so); a stop cuts it.
   */
  openWebSocket(metadata: Record<string, string> = {}): FrameStream {
    if (this.stopping) {
      throw new PluginCallError("unreachable", `plugin "${this.name}" has no running process`);
    }
    const wire = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadata)) wire.set(key, value);
    const stream = this.#grpc().handleWebSocket(wire);
    this.#streams.add(stream);
    const forget = () => this.#streams.delete(stream);
    stream.on("end", forget);
    stream.on("error", forget);
    return stream;
  }

  /**
   * Opens a WebSocket session over the data channel; null when the process does not offer it
   * (capability `websocket_channel`), and the caller then uses `HandleWebSocket`. A stop closes
   * the channel, which ends its sessions.
   */
  openChannelSocket(
    connect: Record<string, string>,
    events: ChannelSocketEvents,
    maxMessageBytes: number,
  ): ChannelSocket | null {
    const data = this.#channel();
    if (!data || !this.offers(CAPABILITIES.websocketChannel)) return null;
    if (this.stopping) {
      throw new PluginCallError("unreachable", `plugin "${this.name}" has no running process`);
    }
    return data.openWebSocket(connect, events, maxMessageBytes);
  }

  /**
   * Stops the process, each step bounded: calls under way finish (up to the drain time), then
   * the Shutdown RPC, then SIGTERM to its process group, then SIGKILL; stdin is closed too, so
   * an SDK plugin knows the host let go. Resolves once the process has exited.
   */
  async terminate(timeouts: SupervisionTimeouts, logger: Logger): Promise<void> {
    const { process } = this;
    this.stopping = true;
    if (process.exit === undefined) await this.#drain(timeouts.drain);
    for (const stream of this.#streams) stream.cancel();
    // Shutdown itself goes over the data channel when the process serves its control there.
    if (this.controlOnChannel) this.data?.endSessions();
    else this.data?.close();
    const waitExit = async (ms: number) => (await this.exitWithin(ms)) !== undefined;
    if (process.exit === undefined) {
      try {
        await this.call("shutdown", {}, timeouts.call);
      } catch {
        // a plugin that is gone or hung is dealt with below
      }
    }
    if (!(await waitExit(timeouts.grace))) {
      process.signal("SIGTERM");
      if (!(await waitExit(timeouts.grace))) {
        logger.warn(`plugin "${this.name}" ignored SIGTERM; killing it`, {
          plugin: this.name,
          pid: process.pid,
        });
        process.signal("SIGKILL");
      }
    }
    await process.closeStdin();
    await process.exited;
  }

  /**
   * Releases what the launch held once its process is gone: its token, connections, record,
   * service socket and folder. Never rejects: what cannot be released is logged.
   */
  async release(
    context: Pick<SupervisorContext, "tokens" | "ledger" | "searchProviders" | "logger">,
  ): Promise<void> {
    try {
      // Only the role this launch held: another launch of the plugin (an upgrade's) may hold it.
      if (this.search) context.searchProviders?.withdraw(this.name, this.search);
      context.ledger.remove(this.process.pid);
      context.tokens.revoke(this.token);
      this.client?.close();
      this.#calls?.close();
      this.data?.close();
      await this.services?.close();
      await removeLaunchFolder(this.folder);
    } catch (error) {
      context.logger.error(`plugin "${this.name}": a launch could not be released in full`, {
        plugin: this.name,
        error,
      });
    }
  }

  /** The process's exit if it comes within `ms`, else undefined. */
  async exitWithin(ms: number): Promise<ExitStatus | undefined> {
    if (this.process.exit !== undefined) return this.process.exit;
    const done = new AbortController();
    try {
      return await Promise.race([
        this.process.exited,
        sleep(ms, done.signal).then(() => this.process.exit),
      ]);
    } finally {
      done.abort();
    }
  }

  /**
   * The data channel calls go to: an open one, or a closed one when the process has no gRPC to
   * fall back to (its calls then fail saying the channel closed).
   */
  #channel(): DataClient | undefined {
    const data = this.data;
    return data && (!data.closed || !this.client) ? data : undefined;
  }

  /** Its client for calls made for clients (a connection of its own, opened when first used). */
  #h2c(): GrpcClient {
    if (this.#calls) return this.#calls;
    const address = this.process.address;
    if (address.kind === "channel") this.#noGrpc();
    const options = { maxMessageBytes: MAX_MESSAGE_BYTES, label: `plugin "${this.name}"` };
    return this.#calls = new GrpcClient(address, options);
  }

  /** Its gRPC client; a process on its data channel alone has none, and the call fails. */
  #grpc(): domain.DomainPluginServiceClient {
    return this.client ?? this.#noGrpc();
  }

  #noGrpc(): never {
    const what = `plugin "${this.name}" serves no gRPC (everything goes over its data channel)`;
    throw callError("unreachable", CallStatus.UNIMPLEMENTED, what);
  }

  async #tracked<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopping) throw this.#draining();
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#done();
    }
  }

  #done(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) this.#onIdle?.();
  }

  #draining(): PluginCallError {
    return new PluginCallError(
      "draining",
      `plugin "${this.name}" is stopping; it finishes the calls under way`,
    );
  }

  /** Resolves when no call is under way, or after `ms`. */
  async #drain(ms: number): Promise<void> {
    if (this.#inFlight === 0) return;
    const done = new AbortController();
    await Promise.race([
      new Promise<void>((resolve) => this.#onIdle = resolve),
      sleep(ms, done.signal),
    ]);
    done.abort();
  }
}
