/**
 * Runs the real host (`main.ts`) as a child process for end-to-end tests, and follows its log
 * lines so tests wait for events instead of sleeping.
 */
import { fileURLToPath } from "node:url";
import { HOST_PERMISSIONS } from "../src/host/mod.ts";

export const REPO = fileURLToPath(new URL("..", import.meta.url));
/** The operator token spawned hosts run with: credentials are on, as users run the host. */
export const HOST_TOKEN = "qntx-test-operator-token-0123456789abcdef";

/** `init` with the operator's credential added, for calls to a spawned host. */
export function withToken(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${HOST_TOKEN}`);
  return { ...init, headers };
}
const MAIN = `${REPO}main.ts`;
const DENO_JSON = `${REPO}deno.json`;

export interface HostProcess {
  child: Deno.ChildProcess;
  /** Every JSON log line so far, parsed. */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line that `match` accepts, or rejects after `ms`. */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves when stderr has closed and the process has exited. */
  finished: Promise<Deno.CommandStatus>;
}

export function spawnHost(
  options: { cwd: string; env?: Record<string, string>; args?: string[] },
): HostProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      DENO_JSON,
      ...HOST_PERMISSIONS,
      MAIN,
      ...(options.args ?? []),
    ],
    cwd: options.cwd,
    // With the test's operator token, as a user runs it (auth's own tests set QNTX_AUTH_*).
    env: { QNTX_SERVER_PORT: "0", NO_COLOR: "1", QNTX_AUTH_TOKEN: HOST_TOKEN, ...options.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const reading = (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let newline;
      while ((newline = rest.indexOf("\n")) >= 0) {
        const text = rest.slice(0, newline);
        rest = rest.slice(newline + 1);
        try {
          lines.push(JSON.parse(text));
        } catch {
          lines.push({ msg: text, raw: true });
        }
        for (const wake of waiters) wake();
      }
    }
    for (const wake of waiters) wake();
  })();
  const finished = Promise.all([reading, child.status]).then(([, status]) => status);
  let closed = false;
  finished.then(() => closed = true);

  const waitFor = (match: (line: Record<string, unknown>) => boolean, ms = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) return done(() => resolve(found));
        if (closed) {
          done(() =>
            reject(new Error(`host exited first; its log:\n${JSON.stringify(lines, null, 1)}`))
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`no such log line within ${ms} ms: ${JSON.stringify(lines)}`))
          ),
        ms,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      finished.then(check);
      check();
    });

  return { child, lines, waitFor, finished };
}

/** The URL the host logged it listens on. */
export async function listeningUrl(host: HostProcess): Promise<URL> {
  const line = await host.waitFor((l) =>
    typeof l.msg === "string" && l.msg.startsWith("listening on")
  );
  return new URL(String(line.url));
}
