import type { DatabaseSync } from "node:sqlite";
import type { Attestation } from "../plugin/mod.ts";
import { transaction } from "../store/mod.ts";
import type { JobQueue } from "./job_queue.ts";
import { JobError } from "./job_record.ts";

/** One watcher a plugin declared in `Initialize` (QNTX's `WatcherRegistration`). */
export interface WatcherDeclaration {
  id: string;
  handlerName: string;
  subjects: string[];
  predicates: string[];
  contexts: string[];
  actors: string[];
  /** At most this many jobs a second; 0 = structural only (matches, runs nothing). */
  maxFiresPerSecond: number;
}

/** A registered watcher and what it did since the host started. */
export interface WatcherView extends WatcherDeclaration {
  plugin: string;
  /** Jobs it queued. */
  fired: number;
  /** Matches left without a job: over its rate, structural only, or refused by the queue. */
  held: number;
  /** Why the queue last refused one of its jobs, if it did. */
  lastError?: string;
}

const MAX_WATCHERS = 64;
const MAX_VALUES = 64;
const MAX_VALUE_LENGTH = 256;
const MAX_RATE = 1000;
const DIMENSIONS = ["subjects", "predicates", "contexts", "actors"] as const;

/** Why a declared watcher cannot be registered, or undefined when it can. */
export function watcherProblem(
  watcher: WatcherDeclaration,
  handlers: ReadonlySet<string>,
): string | undefined {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(watcher.id)) {
    return `watcher id "${watcher.id.slice(0, 64)}" must be 1 to 64 letters, digits, ., _ or -`;
  }
  if (!handlers.has(watcher.handlerName)) {
    return `watcher "${watcher.id}" names handler "${watcher.handlerName}", which the plugin ` +
      "does not declare";
  }
  for (const dimension of DIMENSIONS) {
    const values = watcher[dimension];
    if (values.length > MAX_VALUES) {
      return `watcher "${watcher.id}" lists ${values.length} ${dimension}; at most ${MAX_VALUES}`;
    }
    if (values.some((value) => value.length === 0 || value.length > MAX_VALUE_LENGTH)) {
      return `watcher "${watcher.id}": ${dimension} must be 1 to ${MAX_VALUE_LENGTH} characters`;
    }
  }
  if (
    !Number.isInteger(watcher.maxFiresPerSecond) || watcher.maxFiresPerSecond < 0 ||
    watcher.maxFiresPerSecond > MAX_RATE
  ) {
    return `watcher "${watcher.id}": max_fires_per_second must be 0 to ${MAX_RATE}`;
  }
  return undefined;
}

/**
 * Whether an attestation matches a watcher, as QNTX matches: each dimension the watcher lists
 * must share a value with the attestation's (OR within a dimension, AND across them; values
 * compared without regard to case, as the store filters); a dimension left empty matches all.
 */
export function watcherMatches(watcher: WatcherDeclaration, attestation: Attestation): boolean {
  for (const dimension of DIMENSIONS) {
    const wanted = watcher[dimension];
    if (wanted.length === 0) continue;
    const have = new Set(attestation[dimension].map((value) => value.toLowerCase()));
    if (!wanted.some((value) => have.has(value.toLowerCase()))) return false;
  }
  return true;
}

interface Registered extends WatcherView {
  /** Runs left in the current second, and which second that is. */
  tokens: number;
  second: number;
}

/**
 * The watchers plugins declared, kept in the database (so matches made while a plugin is down
 * or restarting still become jobs, which wait in the queue for it) and in memory for matching.
 * A plugin's `Initialize` answer is the whole truth: its set is replaced. A matching
 * attestation from any source queues a job `<plugin>/<handler>` with the attestation as its
 * JSON payload, within the watcher's rate.
 */
export class WatcherRegistry {
  #byPlugin = new Map<string, Registered[]>();

  constructor(
    readonly db: DatabaseSync,
    readonly jobs: JobQueue,
    readonly now: () => number = Date.now,
  ) {
    const rows = db.prepare("SELECT plugin, declaration FROM watchers ORDER BY plugin, id").all();
    for (const row of rows) {
      const plugin = String(row.plugin);
      const list = this.#byPlugin.get(plugin) ?? [];
      list.push(this.#registered(plugin, JSON.parse(String(row.declaration))));
      this.#byPlugin.set(plugin, list);
    }
  }

  /**
   * Replaces plugin `plugin`'s watchers with those it declared that are valid; returns a
   * problem for each refused one (at most 64 are taken).
   */
  sync(
    plugin: string,
    declared: readonly WatcherDeclaration[],
    handlers: ReadonlySet<string>,
  ): string[] {
    const refused: string[] = [];
    const taken: WatcherDeclaration[] = [];
    const ids = new Set<string>();
    for (const watcher of declared) {
      const problem = watcherProblem(watcher, handlers) ??
        (ids.has(watcher.id) ? `watcher "${watcher.id}" is declared twice` : undefined) ??
        (taken.length >= MAX_WATCHERS ? `more than ${MAX_WATCHERS} watchers` : undefined);
      if (problem) refused.push(problem);
      else {
        ids.add(watcher.id);
        taken.push(watcher);
      }
    }
    transaction(this.db, () => {
      this.db.prepare("DELETE FROM watchers WHERE plugin = ?").run(plugin);
      const insert = this.db.prepare(
        "INSERT INTO watchers (plugin, id, declaration) VALUES (?, ?, ?)",
      );
      for (const watcher of taken) insert.run(plugin, watcher.id, JSON.stringify(watcher));
    });
    const before = new Map((this.#byPlugin.get(plugin) ?? []).map((w) => [w.id, w]));
    this.#byPlugin.set(
      plugin,
      taken.map((watcher) => {
        const registered = this.#registered(plugin, watcher);
        // Counts survive a re-declaration of the same watcher.
        const old = before.get(watcher.id);
        if (old) Object.assign(registered, { fired: old.fired, held: old.held });
        return registered;
      }),
    );
    return refused;
  }

  /** Every registered watcher, by plugin and id. */
  list(): WatcherView[] {
    return [...this.#byPlugin.values()].flat().map((
      { tokens: _tokens, second: _second, ...view },
    ) => ({ ...view }));
  }

  /** Queues a job for each watcher that a new attestation matches, within its rate. */
  created(attestations: readonly Attestation[]): void {
    if (this.#byPlugin.size === 0) return;
    for (const attestation of attestations) {
      for (const watchers of this.#byPlugin.values()) {
        for (const watcher of watchers) {
          if (watcherMatches(watcher, attestation)) this.#fire(watcher, attestation);
        }
      }
    }
  }

  #fire(watcher: Registered, attestation: Attestation): void {
    const second = Math.floor(this.now() / 1000);
    if (second !== watcher.second) {
      watcher.second = second;
      watcher.tokens = watcher.maxFiresPerSecond;
    }
    if (watcher.tokens <= 0) {
      watcher.held++;
      return;
    }
    watcher.tokens--;
    watcher.fired++;
    // One job per watcher and attestation, however many hosts run the plugin and see it.
    this.jobs.enqueue({
      id: fireId(watcher, attestation),
      handlerName: `${watcher.plugin}/${watcher.handlerName}`,
      payload: new TextEncoder().encode(JSON.stringify(attestation)),
    }, "host").catch((error) => {
      watcher.fired--;
      if (error instanceof JobError && error.kind === "conflict") return;
      watcher.held++;
      watcher.lastError = (error as Error).message;
    });
  }

  #registered(plugin: string, watcher: WatcherDeclaration): Registered {
    return { ...watcher, plugin, fired: 0, held: 0, tokens: 0, second: -1 };
  }
}

/** The id of the job a watcher queues for an attestation: the same on every host. */
function fireId(watcher: Registered, attestation: Attestation): string {
  // `~`: in no plugin name or watcher id, and left as it is in a URL.
  const id = `W~${watcher.plugin}~${watcher.id}~${attestation.id}`;
  // Within a job id's 128 characters; past them, a digest of the same parts.
  return id.length <= 128 ? id : `W~${fnv1a(id)}~${attestation.id.slice(-80)}`;
}

/** 64 bits of FNV-1a over `text`, in hex: enough to tell apart the few ids that need it. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  }
  return hash.toString(16).padStart(16, "0");
}
