import type { Logger } from "../plugin/mod.ts";
import {
  type ChannelSocket,
  type ChannelSocketEvents,
  withoutHostCredentials,
  WS_PATH,
  WS_QUERY,
} from "../protocol/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { ClientQuota, refuseUpgrade } from "./client_quota.ts";
import {
  type FrameStream,
  GrpcLink,
  type LinkEvents,
  type PluginLink,
} from "./grpc_websocket_link.ts";
import { HttpError } from "./http_error.ts";
import { originAllowed } from "./origin.ts";
import type { RouteContext } from "./router.ts";

/** How the edge opens a plugin's WebSocket stream (the supervisor, in the host). */
export interface WebSocketGateway {
  /** Opens one `HandleWebSocket` stream to the plugin's current process. */
  openWebSocket(name: string, metadata?: Record<string, string>): FrameStream;
  /**
   * Opens a session over the plugin's data channel (WS_OPEN with `connect`); null when its
   * process does not offer one, and the relay then uses {@link openWebSocket}. A gateway
   * without it relays everything over gRPC.
   */
  openWebSocketChannel?(
    name: string,
    connect: Record<string, string>,
    events: ChannelSocketEvents,
    maxMessageBytes: number,
  ): ChannelSocket | null;
  /**
   * The close code for clients whose stream just ended: 1012 when the plugin is restarting
   * (come back soon), 1001 when it is being stopped, 1011 when it ended the stream unasked.
   */
  closeCodeFor(name: string, stream?: object): 1001 | 1011 | 1012;
}

export interface RelayOptions {
  registry: Registry;
  gateway: WebSocketGateway;
  logger: Logger;
  allowedOrigins: readonly string[];
  keepalive: { enabled: boolean; pingIntervalSecs: number; pongTimeoutSecs: number };
  /** Largest message either side may send (1009 above). */
  maxMessageBytes: number;
  /** The session cookie's name when the host checks credentials (they stay with the host). */
  hostCredentials?: string;
  /** Open WebSockets one client may hold (beyond: closed at once with 1013, or 429). */
  maxPerClient?: number;
}

/** Request headers the plugin sees in CONNECT; the rest describe the connection, not the user. */
const FORWARDED = [
  "accept-language",
  "authorization",
  "cookie",
  "origin",
  "sec-websocket-protocol",
  "user-agent",
  "x-request-id",
];

/** Bytes waiting for a slow client before the relay stops reading from the plugin. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** How long a client may stay that slow before it is dropped. */
const SLOW_CLIENT_MS = 30_000;
/** Frames waiting for the plugin before a client that sends too fast is dropped. */
const MAX_PENDING_TO_PLUGIN = 16 * 1024 * 1024;

/** What QNTX's browser side asks for, and gets when it does (`/ws/<name>`). */
const QNTX_SUBPROTOCOL = "qntx-plugin-v1";
/** gRPC metadata keys the transport sets itself; a query may not name them. */
const TRANSPORT_KEYS = new Set(["content-type", "te", "user-agent", "authorization"]);

/**
 * The URL's query as gRPC metadata, as QNTX passes it on `HandleWebSocket` (the first value of
 * each key; pty-glyph reads `session_id` there). Keys gRPC cannot carry, values that are not
 * printable ASCII and entries past 32 are left out.
 */
export function queryMetadata(url: URL): Record<string, string> {
  const metadata: Record<string, string> = {};
  let count = 0;
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey.toLowerCase();
    if (key in metadata || count >= 32) continue;
    if (!/^[0-9a-z_.-]{1,64}$/.test(key) || key.endsWith("-bin") || key.startsWith("grpc-")) {
      continue;
    }
    if (TRANSPORT_KEYS.has(key) || !/^[\x20-\x7e]{0,4096}$/.test(value)) continue;
    metadata[key] = value;
    count++;
  }
  return metadata;
}

/** The host's WebSocket routes: the seed's `/<domain>-ws/*` and QNTX's `/ws/<domain>`. */
export interface WebSocketRoutes {
  raw: (context: RouteContext) => Response;
  qntx: (context: RouteContext) => Response;
}

/**
 * WebSocket relays to plugins, sharing one per-client quota: `/<domain>-ws` and its sub-paths
 * carry raw messages over a session on the plugin's data channel when it offers one, else over
 * one `HandleWebSocket` stream; QNTX's `/ws/<domain>` always over `HandleWebSocket`, each
 * message a JSON envelope, the query as gRPC metadata (conventions in proto/README.md). Both
 * check the origin and the plugin's state before they upgrade.
 */
export function webSocketRelay(options: RelayOptions): WebSocketRoutes {
  const quota = new ClientQuota(
    options.maxPerClient,
    "WebSockets",
    "max_websockets_per_client",
    options.logger,
  );
  return { raw: relayHandler(options, quota, false), qntx: relayHandler(options, quota, true) };
}

function relayHandler(
  options: RelayOptions,
  quota: ClientQuota,
  qntx: boolean,
): (context: RouteContext) => Response {
  return ({ request, url, params, remote }) => {
    const name = params.domain!;
    const where = qntx ? `/ws/${name}` : `/${name}-ws`;
    const snapshot = options.registry.snapshot(name);
    if (!snapshot) {
      throw new HttpError(404, `no plugin named "${name}" is registered`, { plugin: name });
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, `${where} is a WebSocket endpoint; ask for an upgrade`, {
        headers: {
          upgrade: "websocket",
        },
      });
    }
    if (
      !originAllowed(request.headers.get("origin"), url, options.allowedOrigins, remote?.hostname)
    ) {
      const origin = request.headers.get("origin") ?? "(none)";
      throw new HttpError(403, `origin ${origin} may not open ${where}`, { plugin: name });
    }
    const { state } = snapshot;
    if (state !== "running") {
      throw new HttpError(503, `plugin "${name}" is ${state}`, {
        plugin: name,
        state,
        headers: {
          "retry-after": "1",
        },
      });
    }
    const connect: Record<string, string> = {
      [WS_PATH]: qntx ? "" : url.pathname.slice(where.length),
      [WS_QUERY]: url.search.slice(1),
    };
    for (const header of FORWARDED) {
      let value = request.headers.get(header) ?? undefined;
      if (value !== undefined && options.hostCredentials !== undefined) {
        value = withoutHostCredentials(header, value, options.hostCredentials);
      }
      if (value !== undefined) connect[header] = value;
    }
    let release: () => void;
    try {
      release = quota.take(remote?.hostname ?? "unknown");
    } catch (error) {
      return refuseUpgrade(request, error as HttpError);
    }
    const relay = new Relay(name, options);
    let link: PluginLink;
    // What the gateway opened: it says, when the stream ends, which launch it belonged to.
    const opened = <T extends object>(stream: T): T => (relay.stream = stream);
    try {
      const channel = qntx ? null : options.gateway.openWebSocketChannel?.(
        name,
        connect,
        relay,
        options.maxMessageBytes,
      );
      link = qntx
        ? new GrpcLink(
          opened(options.gateway.openWebSocket(name, queryMetadata(url))),
          connect,
          relay,
          {
            dropped: (reason) =>
              options.logger.debug(`a ${where} message was dropped: ${reason}`, { plugin: name }),
          },
        )
        : channel
        ? opened(channel)
        : new GrpcLink(opened(options.gateway.openWebSocket(name)), connect, relay);
    } catch (error) {
      release();
      throw new HttpError(502, (error as Error).message, { plugin: name, state });
    }
    let upgraded: { socket: WebSocket; response: Response };
    try {
      const offered = request.headers.get("sec-websocket-protocol")?.split(",")
        .map((item) => item.trim());
      upgraded = Deno.upgradeWebSocket(request, {
        idleTimeout: options.keepalive.enabled ? options.keepalive.pongTimeoutSecs : 0,
        ...(qntx && offered?.includes(QNTX_SUBPROTOCOL) ? { protocol: QNTX_SUBPROTOCOL } : {}),
      });
    } catch (error) {
      release();
      link.close(1002, "the client's upgrade failed");
      throw error;
    }
    upgraded.socket.binaryType = "arraybuffer";
    upgraded.socket.addEventListener("close", release);
    relay.start(upgraded.socket, link);
    return upgraded.response;
  };
}

/**
 * One client connection and its link to the plugin. What the plugin sends before the client's
 * socket is open waits for it (a data-channel answer can come first).
 */
class Relay implements LinkEvents {
  #socket!: WebSocket;
  #link!: PluginLink;
  #early?: (() => void)[] = [];
  #ended = false;
  #pingTimer?: ReturnType<typeof setInterval>;
  #pongDue?: number;
  #slowSince?: number;
  #drainTimer?: ReturnType<typeof setInterval>;

  /** What the gateway opened for this client (its close code depends on it). */
  stream?: object;

  constructor(readonly plugin: string, readonly options: RelayOptions) {}

  start(socket: WebSocket, link: PluginLink): void {
    this.#socket = socket;
    this.#link = link;
    socket.onopen = () => {
      const early = this.#early ?? [];
      this.#early = undefined;
      for (const run of early) run();
    };
    socket.onmessage = (event) => this.#fromClient(event);
    socket.onclose = (event) => {
      this.#early = undefined;
      link.close(event.code, event.reason);
      this.#finish();
    };
    const { keepalive } = this.options;
    if (keepalive.enabled) {
      this.#pingTimer = setInterval(() => this.#ping(), keepalive.pingIntervalSecs * 1000);
    }
  }

  message(data: string | Uint8Array): void {
    // Bytes are a view of the channel's buffer: copied before the call returns.
    const message = typeof data === "string" ? data : data.slice();
    if (this.#early) return void this.#early.push(() => this.message(message));
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    this.#socket.send(message);
    this.#applyBackpressure();
  }

  close(code: number, reason: string): void {
    if (this.#early) return void this.#early.push(() => this.close(code, reason));
    this.#closeClient(code === 1005 ? 1000 : code, reason);
  }

  pong(): void {
    this.#pongDue = undefined;
  }

  gone(error?: Error): void {
    if (this.#early) return void this.#early.push(() => this.gone(error));
    if (this.#ended) return;
    if (error) {
      this.options.logger.debug("WebSocket stream to plugin ended", { plugin: this.plugin, error });
    }
    const code = this.options.gateway.closeCodeFor(this.plugin, this.stream);
    const why = { 1001: "stopped", 1011: "ended the connection", 1012: "is restarting" }[code];
    this.#closeClient(code, `plugin "${this.plugin}" ${why}`);
  }

  /** The plugin reported an error on its stream (gRPC only). */
  error(message: string): void {
    this.options.logger.warn(`plugin "${this.plugin}" reported a WebSocket error`, {
      plugin: this.plugin,
      error: message,
    });
  }

  #fromClient(event: MessageEvent): void {
    const data = event.data as string | ArrayBuffer;
    const size = typeof data === "string" ? data.length * 3 : data.byteLength;
    if (size > this.options.maxMessageBytes) {
      return this.#closeClient(
        1009,
        `messages are limited to ${this.options.maxMessageBytes} bytes`,
      );
    }
    if (this.#ended) return;
    this.#link.send(data);
    if (this.#link.buffered > MAX_PENDING_TO_PLUGIN) {
      this.#closeClient(1008, `plugin "${this.plugin}" cannot keep up with this client`);
    }
  }

  /** A slow client: stop taking from the plugin until its buffer drains, and not forever. */
  #applyBackpressure(): void {
    if (this.#socket.bufferedAmount < HIGH_WATER || this.#drainTimer) return;
    this.#link.pause();
    this.#slowSince = Date.now();
    this.#drainTimer = setInterval(() => {
      if (this.#socket.readyState !== WebSocket.OPEN) return this.#finish();
      if (this.#socket.bufferedAmount <= LOW_WATER) {
        clearInterval(this.#drainTimer);
        this.#drainTimer = undefined;
        this.#link.resume();
      } else if (Date.now() - this.#slowSince! > SLOW_CLIENT_MS) {
        this.#closeClient(1008, "the client reads too slowly");
      }
    }, 10);
  }

  #ping(): void {
    const { pongTimeoutSecs } = this.options.keepalive;
    if (this.#pongDue !== undefined && Date.now() > this.#pongDue) {
      this.options.logger.warn(`plugin "${this.plugin}" stopped answering WebSocket pings`, {
        plugin: this.plugin,
      });
      this.#closeClient(1011, `plugin "${this.plugin}" stopped answering`);
      return;
    }
    this.#pongDue ??= Date.now() + pongTimeoutSecs * 1000;
    this.#link.ping();
  }

  #closeClient(code: number, reason: string): void {
    const socket = this.#socket;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      try {
        socket.close(code, reason.slice(0, 120));
      } catch {
        socket.close(1011);
      }
    }
    this.#link.close(code, reason);
    this.#finish();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#pingTimer);
    clearInterval(this.#drainTimer);
    this.#link.close(1001, "the client went away");
  }
}
