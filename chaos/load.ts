/**
 * Steady load on a running host: HTTP through several plugins, WebSockets kept open, jobs
 * enqueued, attestations written. Records every answer, the longest wait, and what the host
 * acknowledged (so nothing acknowledged may be missing later).
 */

/** A request that gets no answer within this is counted as hung (the host's own deadline is 10 s). */
export const HUNG_MS = 40_000;

export interface LoadStats {
  sent: number;
  byStatus: Record<string, number>;
  hung: number;
  /** Failures to connect at all (the host down on purpose at the end), by message. */
  transport: number;
  maxWaitMs: number;
  websocket: { opened: number; echoes: number; closedByHost: number };
  attestationsAcked: string[];
  jobsAcked: string[];
}

const TARGETS = [
  { method: "GET", path: "/api/echo/greeting" },
  { method: "GET", path: "/api/biotech/sequences" },
  { method: "GET", path: "/api/finance/symbols" },
  { method: "GET", path: "/api/echo/pid" },
  { method: "GET", path: "/api/plugins" },
  { method: "GET", path: "/healthz" },
];

export class Load {
  readonly stats: LoadStats = {
    sent: 0,
    byStatus: {},
    hung: 0,
    transport: 0,
    maxWaitMs: 0,
    websocket: { opened: 0, echoes: 0, closedByHost: 0 },
    attestationsAcked: [],
    jobsAcked: [],
  };
  #running = true;
  readonly #loops: Promise<void>[] = [];
  readonly #sockets = new Set<WebSocket>();
  #n = 0;

  /** `token`: the operator's, sent on every request and upgrade, as a program sends it. */
  constructor(readonly url: URL, readonly token: string) {}

  start(httpWorkers = 6, sockets = 4): void {
    for (let i = 0; i < httpWorkers; i++) this.#loops.push(this.#http(i));
    this.#loops.push(this.#every(150, () => this.#attest()));
    this.#loops.push(this.#every(150, () => this.#enqueue()));
    for (let i = 0; i < sockets; i++) this.#loops.push(this.#socket());
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const socket of this.#sockets) socket.close();
    await Promise.all(this.#loops);
  }

  /** One request, timed and counted; resolves to the response body (parsed when JSON). */
  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const started = performance.now();
    this.stats.sent++;
    try {
      const response = await fetch(new URL(path, this.url), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(HUNG_MS),
      });
      const text = await response.text();
      const status = String(response.status);
      this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch { /* not JSON */ }
      return { status: response.status, body: parsed };
    } catch (error) {
      if ((error as Error).name === "TimeoutError") this.stats.hung++;
      else this.stats.transport++;
      return { status: 0, body: (error as Error).message };
    } finally {
      this.stats.maxWaitMs = Math.max(this.stats.maxWaitMs, performance.now() - started);
    }
  }

  async #http(worker: number): Promise<void> {
    let i = worker;
    while (this.#running) {
      const target = TARGETS[i++ % TARGETS.length]!;
      await this.request(target.method, target.path);
    }
  }

  async #every(ms: number, work: () => Promise<void>): Promise<void> {
    while (this.#running) {
      await work();
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }

  async #attest(): Promise<void> {
    const answer = await this.request("POST", `/api/ledger/attest/chaos-${this.#n++}`);
    if (answer.status === 201) {
      this.stats.attestationsAcked.push((answer.body as { id: string }).id);
    }
  }

  async #enqueue(): Promise<void> {
    const answer = await this.request("POST", "/api/pulse/jobs", {
      handler_name: this.#n % 2 ? "worker/noop" : "worker/gc",
      payload: { seq: "ACGTTGCA" },
    });
    if (answer.status === 201) {
      this.stats.jobsAcked.push((answer.body as { job: { id: string } }).job.id);
    }
  }

  /** A WebSocket to the echo plugin, talking until it is closed; opened again when it is. */
  async #socket(): Promise<void> {
    while (this.#running) {
      // Deno's WebSocket takes headers (a browser would carry the console's session cookie).
      const socket = new WebSocket(
        new URL("/echo-ws/", this.url.href.replace(/^http/, "ws")),
        { headers: { authorization: `Bearer ${this.token}` } } as unknown as string[],
      );
      this.#sockets.add(socket);
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setInterval> | undefined;
        socket.onopen = () => {
          this.stats.websocket.opened++;
          timer = setInterval(() => socket.readyState === 1 && socket.send("ping"), 250);
        };
        socket.onmessage = () => this.stats.websocket.echoes++;
        socket.onerror = () => {};
        socket.onclose = () => {
          clearInterval(timer);
          if (this.#running) this.stats.websocket.closedByHost++;
          resolve();
        };
      });
      this.#sockets.delete(socket);
      if (this.#running) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
