/**
 * A front on real sockets for the tests: a handler that echoes what it received, a real
 * `Deno.serve` behind it for WebSocket handshakes, and a raw TCP client's helpers.
 */
import { JsonLogger, memorySink } from "../log/mod.ts";
import { HttpFront } from "./http_front.ts";

export const encoder = new TextEncoder();

export interface Front {
  front: HttpFront;
  seen: string[];
  aborted: Promise<string>;
  logs: ReturnType<typeof memorySink>;
  close(): Promise<void>;
}

/** A front whose handler echoes what it received; `/leave` waits for its client to leave. */
export function startFront(
  headerTimeoutMs = 5000,
  idleTimeoutMs = 10_000,
  maxConnections = 1000,
): Front {
  const seen: string[] = [];
  let leave!: (why: string) => void;
  const aborted = new Promise<string>((resolve) => leave = resolve);
  const backend = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onmessage = (event) => socket.send(`echo ${event.data}`);
    return response;
  });
  const logs = memorySink();
  const front = new HttpFront({
    hostname: "127.0.0.1",
    port: 0,
    headerTimeoutMs,
    idleTimeoutMs,
    maxHeaderBytes: 8 * 1024,
    maxConnectionsPerClient: 64,
    maxConnections,
    logger: new JsonLogger("front", { sink: logs }),
  }, async (request, info) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname}`);
    if (url.pathname === "/leave") {
      await request.arrayBuffer(); // as the proxy streams a body on to its plugin
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      leave(String(request.signal.reason));
      return new Response("gone");
    }
    if (url.pathname === "/ignore-body") return new Response("not read");
    if (url.pathname === "/error") return Response.error();
    if (url.pathname === "/answer-first") {
      // Answers before reading the upload, then streams what it read.
      const body = request.body!;
      return new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("started\n"));
            await new Promise((resolve) => setTimeout(resolve, 20));
            let length = 0;
            for await (const piece of body) length += piece.length;
            controller.enqueue(new TextEncoder().encode(`read ${length}\n`));
            controller.close();
          },
        }),
      );
    }
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
    return Response.json({
      method: request.method,
      url: request.url,
      length: body.length,
      text: body.length <= 64 ? new TextDecoder().decode(body) : "",
      from: info.remoteAddr.hostname,
      header: request.headers.get("x-a"),
    });
  }, backend.addr);
  return {
    front,
    seen,
    aborted,
    logs,
    async close() {
      await front.close(100);
      await backend.shutdown();
    },
  };
}

export async function connect(front: HttpFront): Promise<Deno.TcpConn> {
  return await Deno.connect({ hostname: "127.0.0.1", port: front.addr.port });
}

/** Everything the server sends until it closes the connection. */
export async function readToEnd(conn: Deno.Conn): Promise<string> {
  const chunks: string[] = [];
  const buffer = new Uint8Array(64 * 1024);
  for (;;) {
    const n = await conn.read(buffer).catch(() => null);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  conn.close();
  return chunks.join("");
}

/** Reads until `text` has arrived (the connection stays open). */
export async function readUntil(conn: Deno.Conn, pattern: RegExp): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(4096);
  while (!pattern.test(text)) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`closed before ${pattern}: ${text}`);
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return text;
}

export const bodiesOf = (text: string) =>
  [...text.matchAll(/\r\n\r\n(\{[^\n]*?\})(?=HTTP|$)/g)].map((match) => JSON.parse(match[1]!));

/** Runs `body` with a front made by {@link startFront}, closed after it whatever happens. */
export async function withFront(
  ...args: [...number[], (test: Front) => Promise<void>]
): Promise<void> {
  const body = args.at(-1) as (test: Front) => Promise<void>;
  const test = startFront(...(args.slice(0, -1) as number[]));
  try {
    await body(test);
  } finally {
    await test.close();
  }
}
