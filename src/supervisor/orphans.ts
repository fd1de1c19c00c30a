import { join } from "node:path";
import { launchRoot } from "./launch_folder.ts";

/** A process the host started, identified well enough that a reused PID is never mistaken. */
export interface ProcessRecord {
  plugin: string;
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: number;
}

interface RecordFile {
  host: { pid: number; startTicks: number };
  processes: ProcessRecord[];
}

const FILE = "processes.json";

/**
 * Field 22 of /proc/<pid>/stat, or undefined when the process does not exist. Deno lets only
 * `--allow-all` read /proc directly, so the host, which may run programs anyway, asks `cat`.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    return startTicksOf(statCommand(pid).outputSync());
  } catch {
    return undefined;
  }
}

/** {@link processStartTicks} without blocking the event loop (a launch asks it). */
export async function processStartTicksLater(pid: number): Promise<number | undefined> {
  try {
    return startTicksOf(await statCommand(pid).output());
  } catch {
    return undefined;
  }
}

function statCommand(pid: number): Deno.Command {
  return new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" });
}

function startTicksOf(output: Deno.CommandOutput): number | undefined {
  if (!output.success) return undefined;
  const stat = new TextDecoder().decode(output.stdout);
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[19]);
}

/**
 * The host's record of the plugin processes it runs, kept in its runtime folder. After a
 * crash of the host, the next start reads it and kills what is left, checking each PID's start
 * time so a PID reused by another program is left alone.
 */
export class ProcessLedger {
  readonly #file: string;
  readonly #records = new Map<number, ProcessRecord>();
  /** Processes added and not yet removed (a record is kept once its start time is known). */
  readonly #live = new Set<number>();
  #hostTicks?: number;

  constructor(readonly runtimeDir: string) {
    this.#file = join(runtimeDir, FILE);
  }

  /**
   * Kills the processes a previous host left behind and removes stale sockets. Throws when that
   * host is still running, since two hosts must not share a runtime folder. Returns what it killed.
   */
  reapLeftovers(): ProcessRecord[] {
    let previous: RecordFile | undefined;
    try {
      previous = JSON.parse(Deno.readTextFileSync(this.#file));
    } catch {
      previous = undefined;
    }
    const killed: ProcessRecord[] = [];
    if (previous) {
      const host = previous.host;
      if (host.pid !== Deno.pid && processStartTicks(host.pid) === host.startTicks) {
        throw new Error(
          `another host (pid ${host.pid}) is running with the runtime folder ${this.runtimeDir}; stop it first`,
        );
      }
      for (const record of previous.processes ?? []) {
        if (processStartTicks(record.pid) !== record.startTicks) continue;
        try {
          Deno.kill(-record.pid, "SIGKILL");
        } catch {
          try {
            Deno.kill(record.pid, "SIGKILL");
          } catch { /* gone meanwhile */ }
        }
        killed.push(record);
      }
    }
    for (const entry of Deno.readDirSync(this.runtimeDir)) {
      if (entry.name.endsWith(".sock")) Deno.removeSync(join(this.runtimeDir, entry.name));
    }
    // Launch folders (sockets) of the processes just killed.
    try {
      Deno.removeSync(launchRoot(this.runtimeDir), { recursive: true });
    } catch {
      // none left
    }
    this.#save();
    return killed;
  }

  /**
   * Records a plugin process. Its start time is read off the event loop (reading /proc takes a
   * `cat`, a few milliseconds) and the record saved then; resolves once it is.
   */
  async add(plugin: string, pid: number): Promise<void> {
    this.#live.add(pid);
    const startTicks = await processStartTicksLater(pid);
    if (startTicks === undefined || !this.#live.has(pid)) return;
    this.#records.set(pid, { plugin, pid, startTicks });
    this.#save();
  }

  remove(pid: number): void {
    this.#live.delete(pid);
    if (this.#records.delete(pid)) this.#save();
  }

  #save(): void {
    const content: RecordFile = {
      host: { pid: Deno.pid, startTicks: this.#hostTicks ??= processStartTicks(Deno.pid) ?? 0 },
      processes: [...this.#records.values()],
    };
    const temporary = `${this.#file}.tmp`;
    Deno.writeTextFileSync(temporary, JSON.stringify(content));
    Deno.renameSync(temporary, this.#file);
  }
}
