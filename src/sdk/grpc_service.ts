/**
 * The plugin's `DomainPluginService` over gRPC, for hosts that speak QNTX's protocol (no data
 * channel). Loaded only then: grpc-js is most of a plugin's start-up.
 */
import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS, domain, type PluginAddress } from "../protocol/mod.ts";
import { fromResponse, toRequest } from "./http_bridge.ts";
import type { PluginService } from "./plugin_service.ts";
import { CallFailure } from "./unary_rpcs.ts";
import { serveWebSocket } from "./websocket_session.ts";

function rpcError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/** A thrown error as the gRPC status the host reads. */
function asServiceError(error: unknown, fallback: grpc.status): grpc.ServiceError {
  if (error instanceof CallFailure) return rpcError(error.code, error.message);
  if (error && typeof error === "object" && "code" in error) return error as grpc.ServiceError;
  return rpcError(fallback, error instanceof Error ? error.message : String(error));
}

/**
 * The grpc-js implementation of every RPC: the unary ones answered by the service's
 * transport-neutral `rpcs`, HTTP and WebSockets by its router. Handlers never throw into
 * grpc-js: a plugin bug becomes an answer (500, `success=false`) or a gRPC status.
 */
export function grpcImplementation(service: PluginService): domain.DomainPluginServiceServer {
  const { definition, rpcs } = service;
  const unary = <Req, Res>(
    work: (request: Req, signal: AbortSignal) => Promise<Res> | Res,
    fallback = grpc.status.UNKNOWN,
  ): grpc.handleUnaryCall<Req, Res> =>
  (call, callback) => {
    const cancelled = new AbortController();
    call.on("cancelled", () => cancelled.abort(new Error("the host cancelled the call")));
    Promise.resolve().then(() => work(call.request, cancelled.signal)).then(
      (response) => callback(null, response),
      (error) => callback(asServiceError(error, fallback)),
    );
  };
  return {
    metadata: unary(rpcs.metadata),
    initialize: unary(rpcs.initialize),
    shutdown: unary(rpcs.shutdown),
    health: unary(rpcs.health),
    configSchema: unary(rpcs.configSchema),
    registerGlyphs: unary(rpcs.registerGlyphs),
    executeJob: unary(rpcs.executeJob, grpc.status.INTERNAL),
    pause: unary(rpcs.pause),
    resume: unary(rpcs.resume),
    handleHttp: unary(
      async (request: domain.HTTPRequest, signal) =>
        await fromResponse(await service.respond(toRequest(request, signal))),
      grpc.status.INVALID_ARGUMENT,
    ),
    handleWebSocket: (stream) =>
      serveWebSocket(stream, definition.websocket ?? {}, service.context, service.logger),
    // QNTX's Ax parser role: not one an SDK plugin takes.
    parseAxQuery: unary(() => {
      throw rpcError(
        grpc.status.UNIMPLEMENTED,
        `plugin "${definition.metadata.name}" parses no Ax queries`,
      );
    }),
  };
}

/** A gRPC server of `service`, listening on `address`. */
export interface GrpcServing {
  address: PluginAddress;
  /** Stops serving; with `drainMs`, calls in flight get that long to finish. */
  stop(drainMs: number): Promise<void>;
}

/** Serves `service` over gRPC on `address` (a Unix socket, or a loopback port). */
export async function serveGrpc(
  service: PluginService,
  address: PluginAddress,
): Promise<GrpcServing> {
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(domain.DomainPluginServiceService, grpcImplementation(service));
  const bound = await bind(server, address);
  return {
    address: bound,
    stop: (drainMs) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, drainMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

function bind(server: grpc.Server, address: PluginAddress): Promise<PluginAddress> {
  if (address.kind === "channel") throw new TypeError("gRPC cannot listen on the data channel");
  const target = address.kind === "unix" ? `unix:${address.path}` : `127.0.0.1:${address.port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(new Error(`cannot listen on ${target}: ${error.message}`));
      else resolve(address.kind === "unix" ? address : { kind: "tcp", port });
    });
  });
}
