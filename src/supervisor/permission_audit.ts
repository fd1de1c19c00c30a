import type { Logger } from "../plugin/mod.ts";
import type { Granted } from "./sandbox.ts";

/** One access a plugin attempted that its sandbox did not allow. */
export interface DeniedAccess {
  /** Unix milliseconds when the host noticed it. */
  at: number;
  permission: string;
  value: string;
}

/**
 * Whether an access (as Deno's permission audit logs it) falls inside what was granted: a path
 * under a granted path, a granted host (with or without port), a granted variable or command.
 */
export function isGranted(granted: Granted, permission: string, value: string): boolean {
  if (granted.all) return true;
  switch (permission) {
    case "read":
    case "write":
      return granted[permission].some((path) => value === path || value.startsWith(`${path}/`));
    case "net":
      return granted.net.some((host) => value === host || value.startsWith(`${host}:`));
    case "env":
    case "run":
    case "ffi":
    case "sys":
      return granted[permission].includes(value);
    default:
      return false;
  }
}

const decoder = new TextDecoder();
/** What one poll reads of the audit at most. */
/** How often a running process's audit file is read. */
export const AUDIT_POLL_MS = 1000;

const AUDIT_READ_MAX = 1 << 20;
/** Past this size the audit file starts over. */
const AUDIT_FILE_MAX = 16 << 20;

/**
 * Reads the permission audit Deno writes for a plugin process (`DENO_AUDIT_PERMISSIONS`, one
 * JSON line per access) and reports the accesses outside the plugin's grant: Deno has already
 * denied them; this is how the host learns and records that the plugin tried.
 */
export class PermissionAudit {
  #offset = 0;
  #rest = "";
  #timer?: ReturnType<typeof setInterval>;
  /** The read under way: reads never overlap, and a stop waits for the last one. */
  #reading: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly granted: Granted,
    readonly onDenied: (access: DeniedAccess) => void,
  ) {}

  /** Polls every `ms` until {@link stop}. */
  start(ms: number): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.poll(), ms);
  }

  /** Stops polling, after one last read of what the process wrote before it ended. */
  stop(): Promise<void> {
    clearInterval(this.#timer);
    return this.poll();
  }

  /** Reads what was appended since the last call (after any read under way). */
  poll(): Promise<void> {
    this.#reading = this.#reading.then(() => this.#read());
    return this.#reading;
  }

  async #read(): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch {
      return; // nothing audited yet
    }
    try {
      await file.seek(this.#offset, Deno.SeekMode.Start);
      // A plugin decides how much it writes here (every denied access is a line): read a
      // bounded slice per poll, and start the file over once it grew large.
      const buffer = new Uint8Array(AUDIT_READ_MAX);
      let filled = 0;
      while (filled < buffer.length) {
        const read = await file.read(buffer.subarray(filled));
        if (read === null) break;
        filled += read;
      }
      this.#offset += filled;
      this.#rest += decoder.decode(buffer.subarray(0, filled));
      if (this.#offset > AUDIT_FILE_MAX) {
        await Deno.truncate(this.path, 0);
        this.#offset = 0;
        this.#rest = "";
      }
    } catch {
      return;
    } finally {
      file.close();
    }
    const lines = this.#rest.split("\n");
    this.#rest = lines.pop() ?? "";
    for (const line of lines) this.#check(line);
  }

  #check(line: string): void {
    let entry: { permission?: unknown; value?: unknown };
    try {
      entry = JSON.parse(line);
    } catch {
      return;
    }
    const permission = String(entry.permission ?? "");
    const value = entry.value === null || entry.value === undefined ? "" : String(entry.value);
    if (!isGranted(this.granted, permission, value)) {
      this.onDenied({ at: Date.now(), permission, value });
    }
  }
}

const DENIED_KEPT = 100;
/** Distinct denials logged per plugin; beyond, one line says so (a plugin cannot flood the log). */
const SEEN_KEPT = 1000;

/**
 * The denied accesses of one plugin across its launches: the last hundred kept for the API and
 * console, each distinct one logged once (a plugin retrying in a loop does not flood the log).
 */
export class DeniedLog {
  readonly #entries: DeniedAccess[] = [];
  readonly #seen = new Set<string>();

  constructor(readonly plugin: string, readonly logger: Logger) {}

  add(access: DeniedAccess): void {
    this.#entries.push(access);
    if (this.#entries.length > DENIED_KEPT) {
      this.#entries.splice(0, this.#entries.length - DENIED_KEPT);
    }
    const key = `${access.permission} ${access.value}`;
    if (this.#seen.has(key)) return;
    if (this.#seen.size >= SEEN_KEPT) {
      if (this.#seen.size === SEEN_KEPT) {
        this.#seen.add("");
        this.logger.warn(
          `plugin "${this.plugin}" was denied more than ${SEEN_KEPT} distinct accesses; ` +
            "further ones are kept in its denied list but no longer logged",
          { plugin: this.plugin },
        );
      }
      return;
    }
    this.#seen.add(key);
    this.logger.warn(
      `plugin "${this.plugin}" tried to use ${access.permission} "${access.value}" without a grant; Deno denied it`,
      { plugin: this.plugin, permission: access.permission, value: access.value },
    );
  }

  /** The kept entries, oldest first. */
  entries(): DeniedAccess[] {
    return [...this.#entries];
  }
}
