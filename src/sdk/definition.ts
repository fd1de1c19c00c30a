import type {
  AttestationStore,
  Config,
  ConfigSchema,
  HealthStatus,
  Logger,
  Metadata,
  QueueService,
} from "../plugin/mod.ts";
import type { RemoteSchedules } from "./host_clients.ts";
import type { PluginSocket } from "./socket.ts";
import { definitionProblems, PluginDefinitionError } from "./definition_check.ts";
import { isSharedInstance, markShared } from "./shared_class.ts";

/** What a plugin's code gets from the SDK: its configuration, logger and the host's services. */
export interface PluginContext {
  /** The plugin's metadata, as in its definition. */
  readonly metadata: Metadata;
  /** The plugin's table of `am.toml`, as the host sent it in the last Initialize. */
  readonly config: Config;
  /** Writes JSON lines to stderr, which the host captures with their level. */
  readonly logger: Logger;
  /** The host's attestation store; every call carries the plugin's token. */
  readonly ats: AttestationStore;
  /** The host's job queue. */
  readonly queue: QueueService;
  /** The host's schedules: recurring jobs made at run time (declared ones go in the definition). */
  readonly schedules: RemoteSchedules;
  /** Aborts when the plugin is shutting down. */
  readonly signal: AbortSignal;
  /** The folder this plugin may write (kept across restarts), when the host gave one. */
  readonly dataDir?: string;
}

/** Answers one HTTP request; `params` holds the route's named groups. */
export type RouteHandler = (
  request: Request,
  context: PluginContext & { params: Record<string, string | undefined> },
) => Response | Promise<Response>;

/** One HTTP route under `/api/<domain>`. */
export interface Route {
  /** An HTTP method, or `*` for any. */
  method: string;
  /** A URLPattern pathname relative to `/api/<domain>`, such as `/sequences/:id`. */
  path: string;
  /** Answers the requests that match `method` and `path`. */
  handler: RouteHandler;
  /** Shown to operators in the host's routes list. */
  description?: string;
}

/** Serves one WebSocket connection. What it returns is ignored (a promise is awaited for errors). */
export type SocketHandler = (
  socket: PluginSocket,
  request: Request,
  context: PluginContext,
) => unknown;

/** What a job handler can do while it runs. */
export interface JobContext extends PluginContext {
  /** The id of the job being run. */
  readonly jobId: string;
  /** Aborts when the job's deadline passes or the plugin shuts down. */
  readonly signal: AbortSignal;
  /** Reports work done out of work to do (whole numbers); sent on at most every half second. */
  progress(current: number, total: number): void;
  /** Adds to the job's reported cost. */
  cost(amount: number): void;
  /** Adds a line to the job's log, which operators see with the job; `stage` names a step. */
  log(level: "debug" | "info" | "warn" | "error", message: string, stage?: string): void;
}

/** Runs one job; the result is sent back as JSON. Throw {@link RetryableError} to ask for a retry. */
export type JobHandler = (payload: unknown, job: JobContext) => unknown | Promise<unknown>;

/** A recurring job the plugin asks the host to run. */
export interface ScheduleDeclaration {
  /** One of the plugin's job handlers. */
  handler: string;
  /** Seconds between runs: a whole number from 1 to 31 622 400 (366 days). */
  intervalSeconds: number;
  /** Whether a newly made schedule starts active rather than paused (default true). */
  enabledByDefault?: boolean;
  /** Shown to operators in the host's schedules list. */
  description?: string;
}

/**
 * Attestations the plugin wants to hear of: each new one (from any source) that matches (each
 * listed dimension shares a value with it; a dimension left out matches all) becomes a job for
 * `handler` with the attestation as its payload, at most `maxFiresPerSecond` a second.
 */
export interface WatcherDeclaration {
  /** Unique within the plugin: letters, digits, `.`, `_`, `-`. */
  id: string;
  /** One of the plugin's job handlers. */
  handler: string;
  /** Matches an attestation with any of these subjects. */
  subjects?: string[];
  /** Matches an attestation with any of these predicates. */
  predicates?: string[];
  /** Matches an attestation with any of these contexts. */
  contexts?: string[];
  /** Matches an attestation with any of these actors. */
  actors?: string[];
  /** Default 10; 0 matches without running anything (structural only, as in QNTX). */
  maxFiresPerSecond?: number;
}

/** A glyph type the plugin adds to QNTX's UI (`RegisterGlyphs`); paths under `/api/<name>/`. */
export interface GlyphDeclaration {
  /** The glyph's symbol, shown in the UI's list of glyphs. */
  symbol: string;
  /** The glyph's name, shown next to its symbol and as its frame's title. */
  title: string;
  /** A short note shown after the plugin's name in the list. */
  label?: string;
  /** A route answering the HTML fragment of the glyph's content. */
  contentPath?: string;
  /** A route answering the glyph's stylesheet. */
  cssPath?: string;
  /** A route answering a JS module that exports a render function. */
  modulePath?: string;
  /** Width of the glyph's frame in pixels; undefined or 0 for the UI's default. */
  defaultWidth?: number;
  /** Height of the glyph's frame in pixels; undefined or 0 for the UI's default. */
  defaultHeight?: number;
}

/**
 * A domain, described for the SDK. Only `metadata` is required; every other member adds a
 * capability, and the SDK tells the host which ones the plugin has.
 */
export interface PluginDefinition {
  /** What the plugin says about itself; the host checks it when the plugin registers. */
  metadata: Metadata;
  /** The plugin's settings, which the host checks values against and shows to operators. */
  configSchema?: ConfigSchema;
  /**
   * Called on the first Initialize, and again with `reconfigure: true` when the operator
   * changes the configuration of the running process: both must be safe to repeat.
   */
  initialize?(context: PluginContext, info: { reconfigure: boolean }): void | Promise<void>;
  /** Called once when the plugin stops, after `context.signal` aborts. */
  shutdown?(context: PluginContext): void | Promise<void>;
  /** Answers HTTP requests that no route matched (or all of them, without routes). */
  fetch?: RouteHandler;
  /** HTTP routes under `/api/<domain>`, tried in order; the first match answers. */
  routes?: Route[];
  /** WebSocket handlers by sub-path of `/<domain>-ws` (`"/"` for the root). */
  websocket?: Record<string, SocketHandler>;
  /**
   * Answers a health probe. A member left out keeps its default: `healthy` true, `message` `ok`
   * (`paused` while paused). A throw reports the plugin unhealthy.
   */
  health?(context: PluginContext): Partial<HealthStatus> | Promise<Partial<HealthStatus>>;
  /** Called when the operator pauses the plugin; only used together with `resume`. */
  pause?(context: PluginContext): void | Promise<void>;
  /** Called when the operator resumes the plugin; only used together with `pause`. */
  resume?(context: PluginContext): void | Promise<void>;
  /** Job handlers by name; the host queues their jobs as `<domain>/<name>`. */
  jobs?: Record<string, JobHandler>;
  /** The host makes the plugin's declared schedules match this list (one per handler). */
  schedules?: ScheduleDeclaration[];
  /** Attestations that start one of the plugin's jobs. */
  watchers?: WatcherDeclaration[];
  /** Glyph types the plugin adds to QNTX's UI. */
  glyphs?: GlyphDeclaration[];
}

/** Returns its argument, typed: a readable way to write a plugin module. */
export function definePlugin(definition: PluginDefinition): PluginDefinition {
  const problems = definitionProblems(definition);
  if (problems.length > 0) throw new PluginDefinitionError(problems);
  return definition;
}

const RETRYABLE_ERROR = Symbol.for("qntx.sdk.RetryableError");

/** A job failure worth another try; the host retries with backoff. */
export class RetryableError extends Error {
  /** Always `"RetryableError"`. */
  override name = "RetryableError";

  /** A failure saying `message` (its `cause` in `options`, as for any Error). */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    markShared(this, RETRYABLE_ERROR);
  }

  /** A RetryableError of any copy of the SDK is one (see shared_class.ts). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isSharedInstance(this, RetryableError, RETRYABLE_ERROR, value);
  }
}
