import { AttestationStore, sqliteRecords } from "../ats/mod.ts";
import {
  JobStore,
  ScheduleStore,
  sqliteQueue,
  sqliteSchedules,
  WatcherRegistry,
} from "../jobs/mod.ts";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { domain } from "../protocol/mod.ts";
import { type ServiceServer, startServiceServer } from "../services/mod.ts";
import { IN_MEMORY, openDatabase } from "../store/mod.ts";
import { TokenRegistry } from "../supervisor/mod.ts";

/**
 * The host's side of a conformance run, made of the host's own parts: the attestation store,
 * job queue and schedules on an in-memory SQLite database, served over loopback TCP as QNTX
 * programs get them, with one token for the plugin; and the host's rules for what a plugin
 * declares in `Initialize`.
 */
export class ConformanceHost {
  readonly #db = openDatabase({ path: IN_MEMORY });
  readonly attestations = new AttestationStore(this.#db);
  readonly jobs = new JobStore(this.#db);
  readonly schedules = new ScheduleStore(this.#db, this.jobs);
  readonly watchers = new WatcherRegistry(this.#db, sqliteQueue(this.jobs));
  readonly #tokens = new TokenRegistry();
  #token = "";
  readonly #sink = memorySink();
  /** Attestations the plugin made through the store. */
  created = 0;
  #server?: ServiceServer;

  private constructor(readonly plugin: string) {}

  /** Opens the stores and serves them; `close` ends both. */
  static async open(plugin: string): Promise<ConformanceHost> {
    const host = new ConformanceHost(plugin);
    host.attestations.onCreated((made) => host.created += made.length);
    host.#server = await startServiceServer({ tcp: true }, {
      store: sqliteRecords(host.attestations),
      jobs: sqliteQueue(host.jobs),
      schedules: sqliteSchedules(host.schedules),
      tokens: host.#tokens,
      logger: new JsonLogger("conformance", { sink: host.#sink }),
    });
    return host;
  }

  /** Issues the plugin's token, once its Metadata said its version (its attestations carry it). */
  admit(version: string): void {
    this.#token = this.#tokens.issue({ plugin: this.plugin, version, generation: 1 });
  }

  /** Where the services are, as a QNTX program gets it: `127.0.0.1:<port>`. */
  get endpoint(): string {
    return this.#server!.target;
  }

  /** The services' warnings: each call they refused (another plugin's job, a token not known). */
  warnings(): string[] {
    return this.#sink.records.filter((record) =>
      record.level !== "info" && record.level !== "debug"
    )
      .map((record) => record.msg);
  }

  initializeRequest(config: Record<string, string>): domain.InitializeRequest {
    return domain.InitializeRequest.fromPartial({
      atsStoreEndpoint: this.endpoint,
      queueEndpoint: this.endpoint,
      scheduleEndpoint: this.endpoint,
      authToken: this.#token,
      config,
      reconfigure: false,
    });
  }

  /** Registers what an `Initialize` answer declares, as the host does; what it refuses. */
  declare(answer: domain.InitializeResponse): string[] {
    const report = this.schedules.sync(this.plugin, answer.schedules, answer.handlerNames);
    const watchers = this.watchers.sync(
      this.plugin,
      answer.watchers,
      new Set(answer.handlerNames),
    );
    return [
      ...report.refused.map((problem) => `schedule ${problem}`),
      ...watchers,
    ];
  }

  async close(): Promise<void> {
    await this.#server?.close();
    this.#db.close();
  }
}
