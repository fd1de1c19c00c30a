import type {
  Attestation,
  AttestationCommand,
  AttestationFilter,
  AttestationStore,
  Job,
  JobStatus,
  NewJob,
  QueueService,
} from "../plugin/mod.ts";
import type {
  ats as atsRpc,
  queue as queueRpc,
  schedule as scheduleRpc,
  UnaryMethod,
} from "../protocol/mod.ts";

type HostGrpc = typeof import("./host_grpc.ts");
let loaded: Promise<HostGrpc> | undefined;
/** grpc-js and the services' clients, loaded on the first call. */
const hostGrpc = () => loaded ??= import("./host_grpc.ts");

async function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
  return (await hostGrpc()).unary(method, request);
}

/**
 * One service's client, made on the first call: a plugin that never calls the host's
 * services never loads gRPC.
 */
class LazyClient<C extends { close(): void }> {
  #client?: Promise<C>;
  #closed = false;

  constructor(
    readonly service: string,
    readonly endpoint: string,
    readonly make: (grpc: HostGrpc, endpoint: string) => C,
  ) {}

  /** The client, with the module that made it (the services' messages are there). */
  async get(): Promise<{ c: C; g: HostGrpc }> {
    if (this.endpoint === "") missing(this.service);
    if (this.#closed) throw new Error(`${this.service}: the client was closed`);
    const g = await hostGrpc();
    // Closed while gRPC loaded: no client is made that nothing would close.
    if (this.#closed) throw new Error(`${this.service}: the client was closed`);
    return { c: await (this.#client ??= Promise.resolve(this.make(g, this.endpoint))), g };
  }

  close(): void {
    this.#closed = true;
    this.#client?.then((client) => client.close(), () => {});
  }
}

function checked<T extends { success: boolean; error: string }>(service: string, response: T): T {
  if (!response.success) {
    throw new Error(`${service}: ${response.error || "the host refused the call"}`);
  }
  return response;
}

function missing(service: string): never {
  throw new Error(`the host gave this plugin no ${service} endpoint`);
}

/** The host's attestation store over gRPC; every call carries the plugin's token. */
export class RemoteAttestationStore implements AttestationStore {
  readonly #client: LazyClient<atsRpc.ATSStoreServiceClient>;

  constructor(endpoint: string, readonly token: string) {
    this.#client = new LazyClient(
      "attestation store",
      endpoint,
      (grpc, at) => grpc.clients.ats(at),
    );
  }

  #c(): Promise<{ c: atsRpc.ATSStoreServiceClient; g: HostGrpc }> {
    return this.#client.get();
  }

  async generateAndCreate(command: AttestationCommand): Promise<Attestation> {
    const { c, g } = await this.#c();
    const response = checked(
      "attestation store",
      await unary(c.generateAndCreateAttestation.bind(c), {
        authToken: this.token,
        command: g.toWireCommand(command),
      }),
    );
    if (!response.attestation) {
      throw new Error("attestation store: the host returned no attestation");
    }
    return g.fromWireAttestation(response.attestation);
  }

  async batchGenerateAndCreate(commands: AttestationCommand[]): Promise<number> {
    const { c, g } = await this.#c();
    const response = await unary(c.batchGenerateAndCreateAttestations.bind(c), {
      authToken: this.token,
      commands: commands.map(g.toWireCommand),
    });
    return checked("attestation store", response).created;
  }

  async get(filter: AttestationFilter): Promise<Attestation[]> {
    const { c, g } = await this.#c();
    const response = await unary(c.getAttestations.bind(c), {
      authToken: this.token,
      filter: g.toWireFilter(filter),
    });
    return checked("attestation store", response).attestations.map(g.fromWireAttestation);
  }

  async exists(id: string): Promise<boolean> {
    const { c } = await this.#c();
    return (await unary(c.attestationExists.bind(c), { authToken: this.token, id })).exists;
  }

  close(): void {
    this.#client.close();
  }
}

/** The host's job queue over gRPC; every call carries the plugin's token. */
export class RemoteQueue implements QueueService {
  readonly #client: LazyClient<queueRpc.QueueServiceClient>;

  constructor(endpoint: string, readonly token: string) {
    this.#client = new LazyClient("job queue", endpoint, (grpc, at) => grpc.clients.queue(at));
  }

  #c(): Promise<{ c: queueRpc.QueueServiceClient; g: HostGrpc }> {
    return this.#client.get();
  }

  async enqueue(job: NewJob): Promise<string> {
    const { c, g } = await this.#c();
    const response = await unary(c.enqueue.bind(c), {
      authToken: this.token,
      job: g.toWireJob(job),
    });
    return checked("job queue", response).jobId;
  }

  async getJob(id: string): Promise<Job | undefined> {
    const { c, g } = await this.#c();
    const response = await unary(c.getJob.bind(c), { authToken: this.token, jobId: id });
    const job = checked("job queue", response).job;
    return job && g.fromWireJob(job);
  }

  async updateJob(job: Job): Promise<void> {
    const { c, g } = await this.#c();
    checked(
      "job queue",
      await unary(c.updateJob.bind(c), { authToken: this.token, job: g.toWireJob(job) }),
    );
  }

  /** A running job's progress alone, in one call (`UpdateJob` with no status, see proto/README). */
  async reportProgress(id: string, progress: { current: number; total: number }): Promise<void> {
    const { c, g } = await this.#c();
    const job = g.progressOnly(id, progress);
    checked("job queue", await unary(c.updateJob.bind(c), { authToken: this.token, job }));
  }

  async listJobs(status: JobStatus | undefined, limit: number): Promise<Job[]> {
    const { c, g } = await this.#c();
    const response = await unary(c.listJobs.bind(c), {
      authToken: this.token,
      status: status ?? "",
      limit,
    });
    return checked("job queue", response).jobs.map(g.fromWireJob);
  }

  close(): void {
    this.#client.close();
  }
}

/**
 * A recurring job as the host keeps it (times in RFC 3339): the fields of the wire's
 * `ScheduledJob` message, which {@link RemoteSchedules.get} returns.
 */
export interface ScheduledJob {
  /** The schedule's id. */
  id: string;
  /** QNTX's: the Ax code a schedule came from; empty here (schedules are declared by handler). */
  atsCode: string;
  /** The handler of the jobs it queues, `<plugin>/<handler>`. */
  handlerName: string;
  /** The payload of each job it queues, JSON as UTF-8 bytes; empty for none. */
  payload: Uint8Array;
  /** QNTX's: the URL a schedule watches; empty here. */
  sourceUrl: string;
  /** Seconds between runs. */
  intervalSeconds: number;
  /** When it next runs; never empty: a schedule always has its next run. */
  nextRunAt: string;
  /** When it last ran; empty until the first run. */
  lastRunAt: string;
  /** The id of the last job it queued; empty until the first run. */
  lastExecutionId: string;
  /** `active` or `paused`. */
  state: string;
  /** The metadata given when it was made, as a JSON object of strings. */
  metadata: string;
  /** When it was made. */
  createdAt: string;
  /** When it was last changed. */
  updatedAt: string;
  /** QNTX's: the document a schedule was created from; empty here. */
  createdFromDoc: string;
}

/** The host's schedules over gRPC: recurring jobs this plugin makes at run time. */
export class RemoteSchedules {
  readonly #client: LazyClient<scheduleRpc.ScheduleServiceClient>;

  /**
   * A client of the host's schedule service at `endpoint`, calling with `token`; with an empty
   * endpoint every call rejects. The SDK makes it; a plugin gets it as `context.schedules`.
   */
  constructor(endpoint: string, readonly token: string) {
    this.#client = new LazyClient("schedule", endpoint, (grpc, at) => grpc.clients.schedule(at));
  }

  #c(): Promise<{ c: scheduleRpc.ScheduleServiceClient; g: HostGrpc }> {
    return this.#client.get();
  }

  /** Runs `handler` (one of this plugin's) every `intervalSeconds`; returns the schedule's id. */
  async create(
    handler: string,
    intervalSeconds: number,
    payload: unknown = null,
    metadata: Record<string, string> = {},
  ): Promise<string> {
    const { c } = await this.#c();
    const response = await unary(c.createSchedule.bind(c), {
      authToken: this.token,
      handlerName: handler,
      intervalSeconds,
      payload: new TextEncoder().encode(JSON.stringify(payload)),
      metadata,
    });
    return checked("schedules", response).scheduleId;
  }

  /** The schedule with this id; rejects when there is none or it is another plugin's. */
  async get(id: string): Promise<ScheduledJob> {
    const { c } = await this.#c();
    const response = await unary(c.getSchedule.bind(c), { authToken: this.token, scheduleId: id });
    return checked("schedules", response).job!;
  }

  /** Stops the schedule queuing jobs until it is resumed. */
  pause(id: string): Promise<void> {
    return this.#change("pauseSchedule", id);
  }

  /** Lets a paused schedule queue jobs again. */
  resume(id: string): Promise<void> {
    return this.#change("resumeSchedule", id);
  }

  /** Removes the schedule; jobs it already queued are left alone. */
  delete(id: string): Promise<void> {
    return this.#change("deleteSchedule", id);
  }

  async #change(
    rpc: "pauseSchedule" | "resumeSchedule" | "deleteSchedule",
    id: string,
  ): Promise<void> {
    const { c } = await this.#c();
    checked(
      "schedules",
      await unary(c[rpc].bind(c), { authToken: this.token, scheduleId: id }),
    );
  }

  /** Closes the connection to the host; the SDK calls it when the plugin stops. */
  close(): void {
    this.#client.close();
  }
}
