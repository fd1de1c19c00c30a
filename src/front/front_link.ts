import type { Logger } from "../plugin/mod.ts";
import type { LazySignalRequest } from "./lazy_signal_request.ts";

/** How the front bounds its clients. */
export interface FrontOptions {
  hostname: string;
  port: number;
  /** Time a client has to send each request head, from its first byte (from accept for the first). */
  headerTimeoutMs: number;
  /** A connection with no bytes either way for this long, and no request under way, is closed. */
  idleTimeoutMs: number;
  /** Largest request head accepted (431 above). */
  maxHeaderBytes: number;
  /** Connections one client address may hold open at once (429, then closed, beyond). */
  maxConnectionsPerClient: number;
  /** Connections open at once in all (see capacity.ts). */
  maxConnections: number;
  logger: Logger;
}

/** What the front turned away, for `/metrics` and the logs. */
export interface FrontStats {
  open: number;
  headerTimeouts: number;
  headersTooLarge: number;
  idleClosed: number;
  /** Connections refused because their client already held `maxConnectionsPerClient`. */
  overQuota: number;
  /** Requests refused for a malformed head or body. */
  badRequests: number;
  /** Connections that found `maxConnections` open: an idle one was closed for it, or it got 503. */
  atCapacity: number;
}

/** A request handler as the front calls it (a `Deno.serve` handler fits). */
export type FrontHandler = (
  request: Request,
  info: { remoteAddr: Deno.NetAddr },
) => Promise<Response>;

export interface Link {
  client: Deno.TcpConn;
  address: string;
  /** The host's own server, once a WebSocket handshake was handed to it. */
  server?: Deno.TcpConn;
  /** A WebSocket handshake is being handed on (from its head on): never idle between requests. */
  upgrading?: boolean;
  lastActive: number;
  /** Since when a head is awaited with part of it received (from accept for the first); 0 if not. */
  headSince: number;
  /** A request is being answered: the idle rule between requests does not apply. */
  busy: boolean;
  /** Since when a read for a request's body has waited for the client; 0 if none waits. */
  bodyWaitSince: number;
  /** Since when a write to the client is under way; 0 if none. */
  writingSince: number;
  /** The request being answered, told when its client goes. */
  request?: LazySignalRequest;
  closed: boolean;
}

/** Why the sweep closes a connection now, if it does. */
export function overdue(
  link: Link,
  now: number,
  { headerTimeoutMs, idleTimeoutMs }: FrontOptions,
): "head" | "idle" | undefined {
  if (link.headSince > 0 && now - link.headSince >= headerTimeoutMs) return "head";
  if (link.writingSince > 0) return now - link.writingSince >= idleTimeoutMs ? "idle" : undefined;
  if (link.bodyWaitSince > 0) return now - link.bodyWaitSince >= idleTimeoutMs ? "idle" : undefined;
  const between = !link.busy && link.headSince === 0;
  return between && now - link.lastActive >= idleTimeoutMs ? "idle" : undefined;
}
