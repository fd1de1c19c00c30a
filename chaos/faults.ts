/**
 * The faults the chaos run injects while the load goes on, each with a check of how long the
 * host took to be whole again.
 */
import type { Load } from "./load.ts";

export interface FaultResult {
  name: string;
  /** Seconds since the run started. */
  at: number;
  /** How long until the host was whole again (the plugin back, the host answering). */
  recoveredMs: number | null;
  ok: boolean;
  detail: string;
}

interface PluginView {
  state: string;
  process?: { pid: number | null };
}

async function plugin(load: Load, name: string): Promise<PluginView | undefined> {
  const answer = await load.request("GET", `/api/plugins/${name}`);
  return answer.status === 200 ? answer.body as PluginView : undefined;
}

/** Resolves with the time from `since` until `check` holds, or null after `ms`. */
async function until(check: () => Promise<boolean>, since: number, ms = 30_000) {
  while (performance.now() - since < ms) {
    if (await check()) return performance.now() - since;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/** Waits for `name` to run again in another process than `pid`. */
function backRunning(load: Load, name: string, pid: number | null | undefined, since: number) {
  return until(async () => {
    const view = await plugin(load, name);
    return view?.state === "running" && view.process?.pid !== pid;
  }, since);
}

function hostAnswers(load: Load, since: number) {
  return until(async () => (await load.request("GET", "/healthz")).status === 200, since);
}

/** Raw bytes to the host's port, then whatever it answers (or nothing). */
async function raw(url: URL, bytes: Uint8Array, readMs = 2000): Promise<string> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(bytes).catch(() => {});
    const buffer = new Uint8Array(4096);
    const n = await Promise.race([
      conn.read(buffer).catch(() => null),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), readMs)),
    ]);
    return n ? new TextDecoder().decode(buffer.subarray(0, n)).split("\r\n")[0]! : "(closed)";
  } finally {
    try {
      conn.close();
    } catch { /* closed by the host */ }
  }
}

export type Fault = (load: Load, url: URL) => Promise<Omit<FaultResult, "name" | "at">>;

function killed(name: string, signal: Deno.Signal): Fault {
  return async (load) => {
    const pid = (await plugin(load, name))?.process?.pid;
    if (!pid) return { recoveredMs: null, ok: false, detail: `${name} had no process` };
    const since = performance.now();
    // The plugin's process group: under confinement the pid is bubblewrap's, the plugin below it.
    Deno.kill(-pid, signal);
    const recovered = await backRunning(load, name, pid, since);
    if (signal === "SIGSTOP") {
      try {
        Deno.kill(-pid, "SIGCONT");
      } catch { /* the host killed it */ }
    }
    return {
      recoveredMs: recovered,
      ok: recovered !== null,
      detail: `${signal} to ${name} (process group ${pid})`,
    };
  };
}

export const FAULTS: Record<string, Fault> = {
  "SIGKILL a plugin": killed("echo", "SIGKILL"),
  "SIGSTOP a plugin (a hang)": killed("finance", "SIGSTOP"),
  "a plugin exhausts its memory": async (load) => {
    const pid = (await plugin(load, "glutton"))?.process?.pid;
    const since = performance.now();
    const answer = await load.request("POST", "/api/glutton/eat");
    const recovered = await backRunning(load, "glutton", pid, since);
    return {
      recoveredMs: recovered,
      ok: recovered !== null,
      detail: `the client got ${answer.status}`,
    };
  },
  "a plugin floods stderr": async (load) => {
    const pid = (await plugin(load, "noisy"))?.process?.pid;
    const since = performance.now();
    await load.request("POST", "/api/plugins/noisy/restart");
    const recovered = await backRunning(load, "noisy", pid, since);
    const host = await hostAnswers(load, performance.now());
    return {
      recoveredMs: recovered,
      ok: recovered !== null && host !== null,
      detail: "4 MiB of stderr at start",
    };
  },
  "WebSocket clients vanish mid-message": async (load, url) => {
    const since = performance.now();
    for (let i = 0; i < 5; i++) {
      const upgrade = `GET /echo-ws/ HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\n\r\n`;
      // The upgrade, then half of a masked text frame that announces 100 bytes.
      const frame = new Uint8Array([0x81, 0x80 | 100, 1, 2, 3, 4, 65, 66]);
      const head = new TextEncoder().encode(upgrade);
      const bytes = new Uint8Array(head.length + frame.length);
      bytes.set(head);
      bytes.set(frame, head.length);
      await raw(url, bytes, 300);
    }
    const recovered = await hostAnswers(load, since);
    return { recoveredMs: recovered, ok: recovered !== null, detail: "5 sockets cut mid-frame" };
  },
  "malformed and oversized requests": async (load, url) => {
    const since = performance.now();
    const answers = [
      await raw(url, new TextEncoder().encode("\x00\x01garbage\r\n\r\n")),
      await raw(url, new TextEncoder().encode(`GET /${"a".repeat(100_000)} HTTP/1.1\r\n\r\n`)),
      await raw(
        url,
        new TextEncoder().encode(`GET / HTTP/1.1\r\nX: ${"b".repeat(200_000)}\r\n\r\n`),
      ),
      String((await load.request("POST", "/api/echo/sink", "x".repeat(2 * 1024 * 1024))).status),
      String((await load.request("POST", "/api/pulse/jobs", { handler_name: 7 })).status),
    ];
    const recovered = await hostAnswers(load, since);
    const fine = answers.every((a) => !a.includes(" 500") && a !== "500");
    return { recoveredMs: recovered, ok: recovered !== null && fine, detail: answers.join(" | ") };
  },
  "wrong, forged and replayed tokens": async (load) => {
    const since = performance.now();
    const first = await load.request("GET", "/api/hostile/attempts");
    await load.request("POST", "/api/plugins/hostile/restart");
    await until(async () => (await plugin(load, "hostile"))?.state === "running", since);
    const second = await load.request("GET", "/api/hostile/attempts");
    const all = { ...(first.body as object), ...(second.body as object) } as Record<string, string>;
    const escaped = Object.entries(all).filter(([, outcome]) =>
      outcome === "allowed" || outcome.startsWith("allowed:")
    );
    const replay = (second.body as Record<string, string>).hostServiceReplayedToken;
    return {
      recoveredMs: performance.now() - since,
      ok: second.status === 200 && escaped.length === 0 && replay?.startsWith("refused") === true,
      detail: escaped.length
        ? `escaped: ${escaped.map(([k]) => k).join(", ")}`
        : `replayed: ${replay}`,
    };
  },
  "restart a plugin through the API": async (load) => {
    const pid = (await plugin(load, "biotech"))?.process?.pid;
    const since = performance.now();
    await load.request("POST", "/api/plugins/biotech/restart");
    const recovered = await backRunning(load, "biotech", pid, since);
    return { recoveredMs: recovered, ok: recovered !== null, detail: "biotech restarted" };
  },
  "reconfigure a plugin through the API": async (load) => {
    const since = performance.now();
    const confidence = Math.random() < 0.5 ? 0.95 : 0.99;
    const answer = await load.request("PUT", "/api/plugins/finance/config", {
      config: { var_confidence: confidence },
    });
    const body = answer.body as { reinitialized?: boolean; detail?: string };
    return {
      recoveredMs: performance.now() - since,
      ok: answer.status === 200 && body.reinitialized === true,
      detail: answer.status === 200 ? `var_confidence ${confidence}` : String(body.detail),
    };
  },
};
