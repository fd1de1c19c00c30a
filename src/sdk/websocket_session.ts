import type { ServerDuplexStream } from "@grpc/grpc-js";
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
} from "../protocol/wire.ts";
import type { PluginContext, SocketHandler } from "./definition.ts";
import { PluginSocket, type SocketTransport } from "./socket.ts";
import { permissionDenial } from "./permission_denial.ts";
import { describeThrown } from "./thrown.ts";

type Frame = domain.WebSocketMessage;
type Stream = ServerDuplexStream<Frame, Frame>;
const Type = domain.WebSocketMessage_Type;

/**
 * Serves one `HandleWebSocket` stream: waits for CONNECT, picks the handler for its path,
 * then relays DATA both ways, answers PING with PONG, and turns CLOSE or the stream's end
 * into the socket's close event.
 */
export function serveWebSocket(
  stream: Stream,
  handlers: Record<string, SocketHandler>,
  context: PluginContext,
  logger: Logger,
): void {
  let socket: PluginSocket | undefined;
  let ended = false;
  const frame = (
    type: domain.WebSocketMessage_Type,
    headers: Record<string, string> = {},
    data: Uint8Array = new Uint8Array(),
  ): Frame => ({
    type,
    data,
    headers,
    timestamp: nowNanos(),
  });
  const end = () => {
    if (ended) return;
    ended = true;
    stream.end();
  };
  const refuse = (code: number, reason: string) => {
    stream.write(frame(Type.CLOSE, { [WS_CODE]: String(code), [WS_REASON]: reason }));
    end();
  };

  stream.on("data", (message: Frame) => {
    if (ended) return;
    if (!socket) {
      if (message.type !== Type.CONNECT) return refuse(1002, "the first frame must be CONNECT");
      socket = open(message);
      return;
    }
    switch (message.type) {
      case Type.DATA:
        socket.received(decodeDataFrame(message.data, message.headers[WS_OPCODE]));
        break;
      case Type.PING:
        stream.write({
          ...frame(Type.PONG, message.headers, message.data),
          timestamp: message.timestamp,
        });
        break;
      case Type.CLOSE: {
        const { code, reason } = readClose(message.headers);
        socket.closed(code, reason, true);
        end();
        break;
      }
      case Type.ERROR:
        socket.failed(new TextDecoder().decode(message.data));
        break;
    }
  });
  const gone = () => {
    socket?.closed(1006, "the connection to the host ended", false);
    end();
  };
  stream.on("end", gone);
  stream.on("error", gone);
  stream.on("cancelled", gone);

  function open(connect: Frame): PluginSocket | undefined {
    return openSocket(connect.headers, handlers, context, logger, {
      send: (message) => {
        const { data, headers } = encodeDataFrame(message);
        return stream.write(frame(Type.DATA, headers, data));
      },
      buffered: () => stream.writableLength,
      close: (code, reason) => refuse(code, reason),
    });
  }
}

/**
 * Starts the handler for a CONNECT's headers (`path`, `query`, forwarded request headers) on a
 * socket over `transport`; refuses (1008) a path without a handler. Either transport uses it.
 */
export function openSocket(
  connect: Record<string, string>,
  handlers: Record<string, SocketHandler>,
  context: PluginContext,
  logger: Logger,
  transport: SocketTransport,
): PluginSocket | undefined {
  const { [WS_PATH]: rawPath, [WS_QUERY]: query, ...forwarded } = connect;
  const path = rawPath && rawPath !== "" ? rawPath : "/";
  const handler = handlers[path];
  if (!handler) {
    transport.close(1008, `no WebSocket handler for ${path}`);
    return undefined;
  }
  const url = `http://localhost${path}${query ? `?${query}` : ""}`;
  const socket = new PluginSocket(url, transport);
  const request = new Request(url, { headers: forwarded });
  const failed = (error: unknown) => {
    const denied = permissionDenial(error, context.metadata.name);
    logger.error(
      denied?.detail ?? `WebSocket handler for ${path} failed: ${describeThrown(error)}`,
      { error },
    );
    // The client hears where it broke, within a close reason's 123 bytes.
    const reason = new TextEncoder().encode(`handler failed: ${describeThrown(error)}`);
    const text = new TextDecoder().decode(reason.subarray(0, 120)).replace(/\uFFFD$/, "");
    if (socket.readyState === PluginSocket.OPEN) socket.close(4000, text);
  };
  // Run at once: messages that came with the CONNECT are delivered right after this returns,
  // and a handler that sets `onmessage` before its first await must not miss them.
  try {
    Promise.resolve(handler(socket, request, context)).catch(failed);
  } catch (error) {
    failed(error);
  }
  return socket;
}
