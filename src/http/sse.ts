const encoder = new TextEncoder();

/** One server-sent event. */
export interface ServerEvent {
  event?: string;
  data: unknown;
}

function encode(event: ServerEvent): Uint8Array {
  const data = JSON.stringify(event.data).replace(/\n/g, "\\n");
  return encoder.encode(`${event.event ? `event: ${event.event}\n` : ""}data: ${data}\n\n`);
}

/**
 * A `text/event-stream` response: `history` first, then what `follow` pushes, until the client
 * goes away (`signal`). A comment every 15 s keeps proxies from closing an idle stream.
 */
export function eventStream(
  history: readonly ServerEvent[],
  follow: (push: (event: ServerEvent) => void) => () => void,
  signal: AbortSignal,
): Response {
  let stop = () => {};
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const end = () => {
    stop();
    clearInterval(heartbeat);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of history) controller.enqueue(encode(event));
      const push = (event: ServerEvent) => {
        try {
          controller.enqueue(encode(event));
        } catch {
          end();
        }
      };
      stop = follow(push);
      heartbeat = setInterval(() => push({ event: "ping", data: Date.now() }), 15_000);
      signal.addEventListener("abort", () => {
        end();
        try {
          controller.close();
        } catch { /* already closed */ }
      }, { once: true });
    },
    cancel: end,
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
