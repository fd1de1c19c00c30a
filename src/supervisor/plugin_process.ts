import { sleep } from "../async/mod.ts";
import { parseReadyLine, type PluginAddress } from "../protocol/mod.ts";
import { type LogBuffer, parseLogLine } from "./log_buffer.ts";

/** Everything needed to start one plugin process. */
export interface LaunchSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Where the plugin was told to serve; a TCP plugin may announce another port. */
  address: PluginAddress;
  startTimeoutMs: number;
  /**
   * Runs under bubblewrap, which dies at SIGTERM and takes its sandbox with it: a polite stop
   * then goes to the processes inside, so they get their grace time.
   */
  confined?: boolean;
  /**
   * util-linux's `setsid`: the process is started through it to lead a session (and process
   * group) of its own. Without it Deno's `detached` does the same, but only by forking the host
   * (Rust spawns with `posix_spawn` unless asked to run code in the child): measured, ~12 ms of
   * a plugin's start with the host's memory mapped, against ~1 ms through `setsid`.
   */
  setsid?: string;
  /** Told the process's PID as soon as it is spawned, before it is ready (the ledger). */
  onSpawn?: (pid: number) => void;
}

/** How a process ended. */
export interface ExitStatus {
  code: number;
  signal: Deno.Signal | null;
}

/** A start that failed, with what an operator needs: the step, the exit, the last stderr lines. */
export class StartError extends Error {
  override name = "StartError";
  constructor(message: string, readonly exit?: ExitStatus, readonly stderr: string[] = []) {
    super(
      message +
        (stderr.length > 0
          ? `; last stderr lines:\n${stderr.map((l) => `    ${l}`).join("\n")}`
          : ""),
    );
  }
}

/** `exit code 3` or `killed by SIGKILL`. */
export function describeExit(exit: ExitStatus): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

const STDERR_SHOWN = 20;
const CONNECT_POLL_MS = 50;

/**
 * One running plugin process: spawned in its own process group (so a stop reaches its
 * children), stdin kept open (the SDK exits when it closes), stdout and stderr read line by
 * line into the plugin's log. The process is ready when it prints its ready line, or, for a
 * QNTX executable on TCP that prints nothing, when its port accepts a connection.
 */
export class PluginProcess {
  readonly startedAt = Date.now();
  readonly exited: Promise<ExitStatus>;
  #exit?: ExitStatus;

  private constructor(
    readonly spec: LaunchSpec,
    readonly child: Deno.ChildProcess,
    readonly address: PluginAddress,
    exited: Promise<ExitStatus>,
    readonly seen: { readyLine?: string },
  ) {
    this.exited = exited;
    exited.then((exit) => this.#exit = exit);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** The ready line the process printed, once it did (it may come after its port accepts). */
  get readyLine(): string | undefined {
    return this.seen.readyLine;
  }

  /** The exit status once the process has ended. */
  get exit(): ExitStatus | undefined {
    return this.#exit;
  }

  static async launch(spec: LaunchSpec, logs: LogBuffer): Promise<PluginProcess> {
    let child: Deno.ChildProcess;
    try {
      // `setsid` execs the command in place (it is no group leader, so it does not fork): the
      // PID is the plugin's, and leads its group.
      child = new Deno.Command(spec.setsid ?? spec.command, {
        args: spec.setsid ? ["--", spec.command, ...spec.args] : spec.args,
        env: spec.env,
        clearEnv: true,
        cwd: spec.cwd,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        detached: !spec.setsid,
      }).spawn();
    } catch (error) {
      throw new StartError(`cannot start ${spec.command}: ${(error as Error).message}`);
    }
    spec.onSpawn?.(child.pid);
    let announce!: (address: PluginAddress) => void;
    const announced = new Promise<PluginAddress>((resolve) => announce = resolve);
    const seen: { readyLine?: string } = {};
    const ownStderr: string[] = [];
    const reading = Promise.all([
      readLines(child.stdout, (text) => {
        const address = parseReadyLine(text);
        if (address) {
          seen.readyLine ??= text.trim();
          announce(address);
        }
        logs.push(parseLogLine(text, "stdout", Date.now()));
      }),
      readLines(child.stderr, (text) => {
        // This launch's own lines, for its start error: the log holds earlier launches' too.
        ownStderr.push(text);
        if (ownStderr.length > STDERR_SHOWN) ownStderr.shift();
        logs.push(parseLogLine(text, "stderr", Date.now()));
      }),
    ]);
    // Once the process is gone its stdin is useless: close it, or every crash leaks a pipe.
    const status = child.status.then(async ({ code, signal }) => {
      await closeStdin(child);
      return { code, signal };
    });
    // The exit counts once every line it wrote has been read, so reports carry the last ones.
    const exited = Promise.all([status, reading]).then(([exit]) => exit);

    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopPolling = new AbortController();
    try {
      const ready = await Promise.race([
        announced,
        spec.address.kind === "tcp"
          ? portAccepts(spec.address.port, stopPolling.signal)
          : new Promise<never>(() => {}),
        exited.then((exit) => {
          throw new StartError(
            `plugin "${spec.name}" exited before it was ready (${describeExit(exit)})`,
            exit,
            [...ownStderr],
          );
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new StartError(
                  `plugin "${spec.name}" did not announce that it is ready within ${spec.startTimeoutMs} ms`,
                  undefined,
                  [...ownStderr],
                ),
              ),
            spec.startTimeoutMs,
          );
        }),
      ]);
      return new PluginProcess(spec, child, ready, exited, seen);
    } catch (error) {
      killGroup(child.pid, "SIGKILL");
      await closeStdin(child);
      await exited;
      throw error;
    } finally {
      clearTimeout(timer);
      stopPolling.abort();
    }
  }

  /** Sends `signal` to the plugin's whole process group (SIGTERM: to what runs inside). */
  signal(signal: Deno.Signal): void {
    if (this.#exit) return;
    if (signal !== "SIGKILL" && this.spec.confined) {
      for (const pid of descendants(this.pid)) {
        try {
          Deno.kill(pid, signal);
        } catch {
          // gone meanwhile
        }
      }
      return;
    }
    killGroup(this.pid, signal);
  }

  /** Closes the plugin's stdin: an SDK plugin takes that as "the host is gone" and exits. */
  closeStdin(): Promise<void> {
    return closeStdin(this.child);
  }

  /** The last stderr lines, for reports. */
  static readonly STDERR_SHOWN = STDERR_SHOWN;
}

/**
 * Every process below `pid`, children first. Deno reads /proc only with `--allow-all`; the host
 * may run programs anyway, so `cat` reads it (a stop is rare; this is not a hot path).
 */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const parent = pending.shift()!;
    try {
      const output = new Deno.Command("cat", {
        args: [`/proc/${parent}/task/${parent}/children`],
        stderr: "null",
      }).outputSync();
      const children = new TextDecoder().decode(output.stdout).trim().split(/\s+/)
        .filter(Boolean).map(Number);
      found.push(...children);
      pending.push(...children);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function killGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch {
    try {
      Deno.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function closeStdin(child: Deno.ChildProcess): Promise<void> {
  try {
    await child.stdin.close();
  } catch {
    // already closed
  }
}

/** Calls `onLine` for each line of a byte stream; resolves at its end. */
export async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      let newline;
      while ((newline = rest.indexOf("\n")) >= 0) {
        onLine(rest.slice(0, newline).replace(/\r$/, ""));
        rest = rest.slice(newline + 1);
      }
    }
  } catch {
    // the pipe broke: the process is gone; what was read stands
  }
  if (rest !== "") onLine(rest);
}

async function portAccepts(port: number, signal: AbortSignal): Promise<PluginAddress> {
  while (!signal.aborted) {
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return { kind: "tcp", port };
    } catch {
      await sleep(CONNECT_POLL_MS, signal);
    }
  }
  return new Promise<never>(() => {});
}
