/**
 * The WebSocket `/finance-ws/replay?symbol=ACME&speed=10`: streams a symbol's closes as
 * ticks with rolling statistics, `speed` ticks per second (0.1 to 1000, default 10). The
 * client may send `{"pause": true}` or `{"resume": true}`, or close; pausing the plugin
 * pauses every replay until it resumes.
 */
import type { PluginContext, PluginSocket, SocketHandler } from "../../src/sdk/mod.ts";
import { ReplayCursor } from "./replay_session.ts";
import type { Finance, Pausable } from "./state.ts";

const OPEN = 1;
/** Bytes queued for a slow client before the replay waits for it. */
const BACKLOG = 1024 * 1024;

class Replay implements Pausable {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #byClient = false;
  #byHost: boolean;
  #stopped = false;
  readonly #shutdown = () => this.#end(1001, "the plugin is shutting down");

  constructor(
    readonly socket: PluginSocket,
    readonly cursor: ReplayCursor,
    readonly intervalMs: number,
    readonly finance: Finance,
    readonly signal: AbortSignal,
  ) {
    this.#byHost = finance.paused;
    finance.replays.add(this);
    socket.onmessage = (event) => this.#command(event.data);
    socket.onclose = () => this.#stop();
    signal.addEventListener("abort", this.#shutdown, { once: true });
    this.#send({
      type: "start",
      symbol: cursor.series.symbol,
      ticks: cursor.series.closes.length,
      speed: 1000 / intervalMs,
      paused: this.#byHost,
    });
    this.#schedule(0);
  }

  hostPause(): void {
    this.#byHost = true;
    this.#cancel();
    this.#send({ type: "paused", by: "plugin" });
  }

  hostResume(): void {
    this.#byHost = false;
    this.#send({ type: "resumed", by: "plugin" });
    this.#schedule(this.intervalMs);
  }

  #command(data: unknown): void {
    let message: { pause?: unknown; resume?: unknown } | null = null;
    try {
      message = typeof data === "string" ? JSON.parse(data) : null;
    } catch {
      // answered below
    }
    if (message?.pause === true) {
      this.#byClient = true;
      this.#cancel();
      this.#send({ type: "paused", by: "client" });
    } else if (message?.resume === true) {
      this.#byClient = false;
      this.#send({ type: "resumed", by: "client" });
      this.#schedule(this.intervalMs);
    } else {
      this.#send({
        type: "error",
        error: 'send {"pause": true} or {"resume": true} as JSON text, or close the socket',
      });
    }
  }

  #schedule(delay: number): void {
    if (this.#stopped || this.#byClient || this.#byHost || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#step();
    }, delay);
  }

  #step(): void {
    if (this.socket.readyState !== OPEN) return this.#stop();
    if (this.socket.bufferedAmount > BACKLOG) return this.#schedule(this.intervalMs);
    const tick = this.cursor.next();
    if (!tick) {
      this.#send({ type: "end", ticks: this.cursor.series.closes.length });
      return this.#end(1000, "replay finished");
    }
    this.#send(tick);
    this.#schedule(this.intervalMs);
  }

  #send(message: unknown): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #end(code: number, reason: string): void {
    this.#stop();
    this.socket.close(code, reason);
  }

  #stop(): void {
    this.#stopped = true;
    this.#cancel();
    this.finance.replays.delete(this);
    this.signal.removeEventListener("abort", this.#shutdown);
  }
}

/** Sends one error message, then closes with an application code (4400, 4404). */
function refuse(socket: PluginSocket, code: number, error: string): void {
  socket.send(JSON.stringify({ type: "error", error }));
  socket.close(code, error.slice(0, 120));
}

export function replayHandler(finance: Finance): SocketHandler {
  return (socket: PluginSocket, request: Request, context: PluginContext) => {
    const query = new URL(request.url).searchParams;
    const symbol = query.get("symbol");
    if (!symbol) return refuse(socket, 4400, "give the symbol to replay: ?symbol=ACME");
    const speedText = query.get("speed") ?? "10";
    const speed = Number(speedText);
    if (!(speed >= 0.1 && speed <= 1000)) {
      return refuse(socket, 4400, `speed must be 0.1 to 1000 ticks per second; got "${speedText}"`);
    }
    let series;
    try {
      series = finance.lookup(symbol);
    } catch (error) {
      return refuse(socket, 4404, (error as Error).message);
    }
    const { rollingWindow, annualizationFactor } = finance.settings;
    const cursor = new ReplayCursor(series, rollingWindow, annualizationFactor);
    new Replay(socket, cursor, 1000 / speed, finance, context.signal);
  };
}
