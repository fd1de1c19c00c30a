import { reasonOf } from "../registry/mod.ts";
import type { HostConfig } from "../config/mod.ts";
import type { AppHandler } from "../http/mod.ts";
import { HttpFront } from "../front/mod.ts";
import { ThrottledWarning } from "../log/mod.ts";
import type { Logger } from "../plugin/mod.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const MAX_HEAD = 64 * 1024;

/** Where the host listens, and how to stop listening. */
export interface Listening {
  url: URL;
  /** The front that serves clients, when the guard is on. */
  guard?: HttpFront;
  /** Where `Deno.serve` listens behind the front (loopback; WebSocket handshakes only). */
  internal?: Deno.NetAddr;
  shutdown(): Promise<void>;
}

/** Whether the slow-client guard stands in front of the server under this configuration. */
export function guarded(server: HostConfig["server"]): boolean {
  return server.slowClientGuard === "on" ||
    (server.slowClientGuard === "auto" && !LOOPBACK.test(server.bindAddress));
}

/**
 * Serves `handler` on the configured address: directly with `Deno.serve`, or, when guarded,
 * with the host's own {@link HttpFront}, which hands WebSocket handshakes to `Deno.serve` on a
 * loopback port. Throws naming the address when it cannot listen.
 */
export function listen(
  server: HostConfig["server"],
  handler: AppHandler,
  logger: Logger,
): Listening {
  const guard = guarded(server);
  const strays = new ThrottledWarning(logger);
  let http: Deno.HttpServer<Deno.NetAddr>;
  try {
    http = Deno.serve({
      hostname: guard ? "127.0.0.1" : server.bindAddress,
      port: guard ? 0 : server.port,
      onListen: () => {},
      // Behind the front, only connections the front joined are served: a local program that
      // found the loopback port would otherwise reach a server without head deadlines.
      handler: guard
        ? (request, info) => {
          // The client the front joined, not the front's own loopback address.
          const joined = front?.clientOf(info.remoteAddr);
          if (joined) return handler(request, { remoteAddr: joined });
          const client = info.remoteAddr.hostname;
          strays.warn(
            client,
            `refused a request from ${client} made to the host's internal port, not through ` +
              "its front",
            { client },
          );
          return Promise.resolve(
            new Response("connect to the host's address, not to its internal port\n", {
              status: 421,
              headers: { connection: "close" },
            }),
          );
        }
        : handler,
    });
  } catch (error) {
    throw new Error(
      `cannot listen on ${server.bindAddress}:${server.port}: ${reasonOf(error)}`,
      { cause: error },
    );
  }
  let front: HttpFront | undefined;
  if (guard) {
    try {
      front = new HttpFront(
        {
          hostname: server.bindAddress,
          port: server.port,
          headerTimeoutMs: server.headerTimeout,
          idleTimeoutMs: server.idleTimeout,
          maxHeaderBytes: MAX_HEAD,
          maxConnectionsPerClient: server.maxConnectionsPerClient,
          maxConnections: server.maxConnections,
          logger,
        },
        handler,
        http.addr,
      );
    } catch (error) {
      http.shutdown();
      throw new Error(
        `cannot listen on ${server.bindAddress}:${server.port}: ${reasonOf(error)}`,
        { cause: error },
      );
    }
  }
  if (!front) {
    logger.warn(
      `the slow-client guard is off ([server] slow_client_guard = "${server.slowClientGuard}" on ` +
        `${server.bindAddress}): request heads have no deadline and connections no cap, per ` +
        "client or in all ([server] max_connections); keep it on unless a reverse proxy in " +
        "front bounds them",
    );
  }
  const { hostname, port } = front?.addr ?? http.addr;
  return {
    url: new URL(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`),
    guard: front,
    internal: front ? http.addr : undefined,
    async shutdown() {
      await front?.close();
      await http.shutdown();
    },
  };
}
