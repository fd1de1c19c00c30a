import type { ClientDuplexStream } from "@grpc/grpc-js";
import type { Logger } from "../plugin/mod.ts";
import {
  decodeDataFrame,
  domain,
  encodeDataFrame,
  nowNanos,
  readClose,
  WS_CODE,
  WS_OPCODE,
  WS_PATH,
  WS_QUERY,
  WS_REASON,
} from "../protocol/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { HttpError } from "./http_error.ts";
import { originAllowed } from "./origin.ts";
import type { RouteContext } from "./router.ts";

type Frame = domain.WebSocketMessage;
export type FrameStream = ClientDuplexStream<Frame, Frame>;
const Type = domain.WebSocketMessage_Type;

/** How the edge opens a plugin's WebSocket stream (the supervisor, in the host). */
export interface WebSocketGateway {
  /** Opens one `HandleWebSocket` stream to the plugin's current process. */
  openWebSocket(name: string): FrameStream;
  /**
   * The close code for clients whose stream just ended: 1012 when the plugin is restarting
   * (come back soon), 1001 when it is being stopped, 1011 when it ended the stream unasked.
   */
  closeCodeFor(name: string): 1001 | 1011 | 1012;
}

export interface RelayOptions {
  registry: Registry;
  gateway: WebSocketGateway;
  logger: Logger;
  allowedOrigins: readonly string[];
  keepalive: { enabled: boolean; pingIntervalSecs: number; pongTimeoutSecs: number };
  /** Largest message either side may send (1009 above). */
  maxMessageBytes: number;
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

/**
 * `/<domain>-ws` and its sub-paths: checks the origin and the plugin's state, upgrades, and
 * relays frames both ways over one `HandleWebSocket` stream (conventions in proto/README.md).
 */
export function webSocketRelay(options: RelayOptions): (context: RouteContext) => Response {
  return ({ request, url, params, remote }) => {
    const name = params.domain!;
    const snapshot = options.registry.snapshot(name);
    if (!snapshot) {
      throw new HttpError(404, `no plugin named "${name}" is registered`, { plugin: name });
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      throw new HttpError(426, `/${name}-ws is a WebSocket endpoint; ask for an upgrade`, {}, {
        upgrade: "websocket",
      });
    }
    if (
      !originAllowed(request.headers.get("origin"), url, options.allowedOrigins, remote?.hostname)
    ) {
      throw new HttpError(
        403,
        `origin ${request.headers.get("origin") ?? "(none)"} may not open /${name}-ws`,
        {
          plugin: name,
        },
      );
    }
    if (snapshot.state !== "running") {
      throw new HttpError(503, `plugin "${name}" is ${snapshot.state}`, {
        plugin: name,
        state: snapshot.state,
      }, {
        "retry-after": "1",
      });
    }
    let stream: FrameStream;
    try {
      stream = options.gateway.openWebSocket(name);
    } catch (error) {
      throw new HttpError(502, (error as Error).message, { plugin: name, state: snapshot.state });
    }
    const headers: Record<string, string> = {
      [WS_PATH]: url.pathname.slice(`/${name}-ws`.length),
      [WS_QUERY]: url.search.slice(1),
    };
    for (const header of FORWARDED) {
      const value = request.headers.get(header);
      if (value !== null) headers[header] = value;
    }
    const { socket, response } = Deno.upgradeWebSocket(request, {
      idleTimeout: options.keepalive.enabled ? options.keepalive.pongTimeoutSecs : 0,
    });
    socket.binaryType = "arraybuffer";
    new Relay(name, socket, stream, options).start(headers);
    return response;
  };
}

/** One client connection and its stream to the plugin. */
class Relay {
  #ended = false;
  #pingTimer?: ReturnType<typeof setInterval>;
  #pongDue?: number;
  #slowSince?: number;
  #drainTimer?: ReturnType<typeof setInterval>;

  constructor(
    readonly plugin: string,
    readonly socket: WebSocket,
    readonly stream: FrameStream,
    readonly options: RelayOptions,
  ) {}

  start(connect: Record<string, string>): void {
    const { socket, stream } = this;
    this.#send(Type.CONNECT, connect);
    socket.onmessage = (event) => this.#fromClient(event);
    socket.onclose = (event) => {
      this.#send(Type.CLOSE, { [WS_CODE]: String(event.code), [WS_REASON]: event.reason });
      this.#finish();
    };
    stream.on("data", (frame: Frame) => this.#fromPlugin(frame));
    const gone = (error?: Error) => this.#pluginGone(error);
    stream.on("end", () => gone());
    stream.on("error", gone);
    const { keepalive } = this.options;
    if (keepalive.enabled) {
      this.#pingTimer = setInterval(() => this.#ping(), keepalive.pingIntervalSecs * 1000);
    }
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
    const frame = encodeDataFrame(data);
    this.#send(Type.DATA, frame.headers, frame.data);
    if (this.stream.writableLength > MAX_PENDING_TO_PLUGIN) {
      this.#closeClient(1008, `plugin "${this.plugin}" cannot keep up with this client`);
    }
  }

  #fromPlugin(frame: Frame): void {
    switch (frame.type) {
      case Type.DATA:
        if (this.socket.readyState !== WebSocket.OPEN) return;
        this.socket.send(
          decodeDataFrame(frame.data, frame.headers[WS_OPCODE]) as string | Uint8Array<ArrayBuffer>,
        );
        this.#applyBackpressure();
        break;
      case Type.CLOSE: {
        const { code, reason } = readClose(frame.headers);
        this.#closeClient(code === 1005 ? 1000 : code, reason);
        break;
      }
      case Type.PING:
        this.#send(Type.PONG, frame.headers, frame.data);
        break;
      case Type.PONG:
        this.#pongDue = undefined;
        break;
      case Type.ERROR:
        this.options.logger.warn(`plugin "${this.plugin}" reported a WebSocket error`, {
          plugin: this.plugin,
          error: new TextDecoder().decode(frame.data),
        });
        break;
    }
  }

  /** A slow client: stop reading from the plugin until its buffer drains, and not forever. */
  #applyBackpressure(): void {
    if (this.socket.bufferedAmount < HIGH_WATER || this.#drainTimer) return;
    this.stream.pause();
    this.#slowSince = Date.now();
    this.#drainTimer = setInterval(() => {
      if (this.socket.readyState !== WebSocket.OPEN) return this.#finish();
      if (this.socket.bufferedAmount <= LOW_WATER) {
        clearInterval(this.#drainTimer);
        this.#drainTimer = undefined;
        this.stream.resume();
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
    this.#send(Type.PING, {});
  }

  #pluginGone(error?: Error): void {
    if (this.#ended) return;
    if (error) {
      this.options.logger.debug("WebSocket stream to plugin ended", { plugin: this.plugin, error });
    }
    const code = this.options.gateway.closeCodeFor(this.plugin);
    const why = { 1001: "stopped", 1011: "ended the connection", 1012: "is restarting" }[code];
    this.#closeClient(code, `plugin "${this.plugin}" ${why}`);
  }

  #closeClient(code: number, reason: string): void {
    if (
      this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING
    ) {
      try {
        this.socket.close(code, reason.slice(0, 120));
      } catch {
        this.socket.close(1011);
      }
    }
    this.#send(Type.CLOSE, { [WS_CODE]: String(code), [WS_REASON]: reason });
    this.#finish();
  }

  #send(
    type: domain.WebSocketMessage_Type,
    headers: Record<string, string>,
    data: Uint8Array = new Uint8Array(),
  ): void {
    if (this.#ended) return;
    try {
      this.stream.write({ type, headers, data, timestamp: nowNanos() });
    } catch {
      // the stream broke; its error event closes the client
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#pingTimer);
    clearInterval(this.#drainTimer);
    try {
      this.stream.end();
    } catch {
      // already ended by the other side
    }
  }
}
