import type { ConfigSchema, ServiceRegistry } from "../plugin/mod.ts";
import type { domain, search } from "../protocol/mod.ts";
import type { Registry } from "../registry/mod.ts";
import type { BackoffPolicy } from "./backoff.ts";
import type { LogFile } from "./log_file.ts";
import type { ProcessLedger } from "./orphans.ts";
import type { Grants } from "./sandbox.ts";
import type { ConfinementTools } from "./confine.ts";
import type { HostAddress } from "./permission_request.ts";
import type { TokenRegistry } from "./tokens.ts";
import type { Logger } from "../plugin/mod.ts";
import type { SdkBundle } from "./sdk_bundle.ts";

/** Who a token speaks for, as one launch's service socket sees it. */
export interface ServiceOwners {
  owner(token: string): { plugin: string; version: string } | undefined;
}

/** Where a launch's services listen: its own Unix socket, or a loopback TCP port. */
export type ServiceAddress = { socket: string } | { tcp: true };

/** The host's services as served to one launch. */
export interface ServedServices {
  /** The gRPC target the plugin gets in Initialize: `unix:<path>`, or `127.0.0.1:<port>`. */
  target: string;
  /** The socket file, when served on one (the sandbox grants it; tampering is watched). */
  socket?: string;
  close(): Promise<void>;
}

/** Deadlines and limits of supervision, in milliseconds. */
export interface SupervisionTimeouts {
  start: number;
  initialize: number;
  /** pause, resume, metadata, the Shutdown RPC */
  call: number;
  /** One health probe. */
  health: number;
  /** How long a stop waits for in-flight calls to finish. */
  drain: number;
  /** How long a stop waits after the Shutdown RPC, then after SIGTERM, before the next step. */
  grace: number;
  /** Health checks in a row without an answer that make a plugin hung. */
  healthMisses: number;
}

/** What every plugin's supervisor shares: the host's parts and settings. */
export interface SupervisorContext {
  registry: Registry;
  services: ServiceRegistry;
  logger: Logger;
  tokens: TokenRegistry;
  ledger: ProcessLedger;
  timeouts: SupervisionTimeouts;
  backoff: BackoffPolicy;
  execPath: string;
  denoConfig: string;
  /** The SDK as one module for TypeScript plugins' starts, once built (see sdk_bundle.ts). */
  sdkBundle?(): Promise<SdkBundle | undefined>;
  /** bubblewrap, setpriv and setsid, where installed (see confine.ts). */
  tools?: ConfinementTools;
  runtimeDir: string;
  /** Each plugin's data folder is `<dataDir>/<name>`. */
  dataDir: string;
  hostEnv: Record<string, string>;
  /**
   * Serves the host's services (attestations, jobs, schedules) to one launch alone, answering
   * only tokens that `owners` accepts: on its own Unix socket (`{ socket }`), or for a QNTX
   * program on a loopback TCP port (`{ tcp: true }`: QNTX's plugins dial `host:port`, as QNTX's
   * host serves them). Absent when the host offers no services.
   */
  serveServices?(
    where: ServiceAddress,
    owners: ServiceOwners,
    onRefused: (detail: string) => void,
  ): Promise<ServedServices>;
  pluginConfig(name: string): Record<string, unknown>;
  /** Whether plugin `name` takes new settings by a restart rather than a second Initialize. */
  restartToReconfigure?(name: string): boolean;
  /** Why plugin `name` must stay off whatever enables it (QNTX's `enabled = false`), if so. */
  vetoed?(name: string): string | undefined;
  /** Where the host's own server listens: never granted to a plugin by its manifest alone. */
  hostAddress?(): HostAddress;
  grants(name: string): Grants;
  logFile?(name: string): LogFile;
  /** Problems of a plugin's configuration under its schema, checked before each Initialize. */
  configProblems?(name: string, schema: ConfigSchema): string[];
  /** Told what each process declared in Initialize (job handlers, schedules, routes). */
  initialized?(name: string, declared: domain.InitializeResponse): void;
  /**
   * Who serves QNTX's search role: a launch that declares `search_provider` offers its
   * `SearchService`, and withdraws it when its process goes. Absent: no search is routed.
   */
  searchProviders?: {
    offer(plugin: string, client: search.SearchServiceClient): void;
    withdraw(plugin: string, client?: search.SearchServiceClient): void;
    /** The roles served now: `[{ role: "search", plugin }]`. */
    roles?(): { role: string; plugin: string }[];
  };
}
