import type { Logger } from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";
import type { PluginEventLog } from "../store/mod.ts";
import type { BrowserGuard } from "./browser_guard.ts";
import { type Credentials, type Principal, SESSION_COOKIE } from "./credentials.ts";
import type { ApiTokenStore, AuditLog } from "../store/mod.ts";
import { authRoutes, clientKey, isPublic } from "./routes/auth_routes.ts";
import { HttpError } from "./http_error.ts";
import { describeFailure, problemResponse } from "./problem.ts";
import type { AttestationRecords } from "../ats/mod.ts";
import { Metrics } from "./metrics.ts";
import { approvalRoutes, type PluginApprovals } from "./routes/approval_routes.ts";
import { installRoutes, type PluginInstalls } from "./routes/install_routes.ts";
import { attestationRoutes } from "./routes/attestation_routes.ts";
import { type AxParser, axRoutes } from "./routes/ax_routes.ts";
import { hostRoutes, type HostsDeps } from "./routes/host_routes.ts";
import { configRoutes, type PluginConfigAdmin } from "./routes/config_routes.ts";
import { consoleRoutes } from "./routes/console_routes.ts";
import { type PulseDeps, pulseMetrics, pulseRoutes } from "./routes/pulse_routes.ts";
import { type RouteHandler, Router } from "./router.ts";
import { healthRoutes } from "./routes/health_routes.ts";
import { type PluginGateway, pluginProxy } from "./plugin_proxy.ts";
import { pluginRoutes } from "./routes/plugin_routes.ts";
import { type RelayOptions, type WebSocketGateway, webSocketRelay } from "./websocket_relay.ts";

/** What the HTTP edge needs from the rest of the host. */
export interface AppDeps {
  registry: Registry;
  logger: Logger;
  /** The host's version, as reported by `/healthz`. */
  version: string;
  /** Unix milliseconds when the host started. */
  startedAt: number;
  now?: () => number;
  events?: PluginEventLog;
  /** Enable, disable and restart of plugin processes, when the host supervises any. */
  lifecycle?: PluginLifecycle;
  /** How requests reach plugin processes; without it `/api/<domain>` is not served. */
  gateway?: PluginGateway & WebSocketGateway;
  /** Origins allowed to open WebSockets besides the host's own. */
  allowedOrigins?: readonly string[];
  keepalive?: RelayOptions["keepalive"];
  /** Largest request body forwarded to a plugin, in bytes. */
  bodyLimit?: number;
  /** Deadline of a request to a plugin, in milliseconds. */
  requestTimeoutMs?: number;
  /** Logs, routes and process facts of plugin processes, for the management API. */
  insights?: PluginInsights;
  /** Where request figures go; made here when not given. */
  metrics?: Metrics;
  /** The attestation store, for `GET /api/attestations`. */
  attestations?: AttestationRecords;
  /** QNTX's Ax query parser, a plugin's `ParseAxQuery`, for `POST /api/ax/parse`. */
  axParser?: AxParser;
  /** The live hosts that share this host's database (`GET /api/hosts`), and the relay to them. */
  hosts?: HostsDeps;
  /** The job queue and schedules, for `/api/pulse/*`. */
  pulse?: PulseDeps;
  /** Each plugin's configuration, for `/api/plugins/<name>/config`. */
  configs?: PluginConfigAdmin;
  /** Manifests and their approval, for `/api/plugins/<name>` and `…/approve`. */
  approvals?: PluginApprovals;
  /** Installing plugin archives and rolling back (the host's plugin tree). */
  installs?: PluginInstalls;
  /** Serve the web console at `/`. */
  console?: boolean;
  /** Refuses rebound names and cross-site state changes (see browser_guard.ts). */
  guard?: BrowserGuard;
  /** Who may use the API; without it every route is open (`[auth] enabled = false`). */
  credentials?: Credentials;
  /** Serve `/metrics` without a credential. */
  metricsPublic?: boolean;
  /** Open WebSockets one client may hold (429 beyond); unlimited when absent. */
  maxWebSocketsPerClient?: number;
  /** Where state changes on the host's routes are recorded. */
  audit?: AuditLog;
  /** Named API tokens, managed under `/api/auth/tokens`. */
  tokens?: ApiTokenStore;
  /** Plugins whose 404 is retried with the full path, as QNTX's host does. */
  fullPathRetry?: (name: string) => boolean;
  /** The front's figures for `/metrics` (Prometheus text); absent when there is no front. */
  frontMetrics?: () => string;
}

/** One line a plugin wrote, as the API streams it. */
export interface LogLineView {
  at: number;
  stream: string;
  level: string;
  text: string;
}

/** What the management API can show of plugin processes. */
export interface PluginInsights {
  logs(name: string):
    | {
      lines(count?: number): LogLineView[];
      subscribe(follow: (line: LogLineView) => void): () => void;
    }
    | undefined;
  /** Every plugin's declared HTTP routes, paths relative to `/api/<plugin>`. */
  routes(): { plugin: string; method: string; path: string; description: string }[];
  /** The glyph types running plugins add to the UI (QNTX's `RegisterGlyphs`). */
  glyphs?(): (Record<string, unknown> & { plugin: string })[];
  /** QNTX's provider roles served now and by which plugin (`search`). */
  providers?(): { role: string; plugin: string }[];
  /** Process facts of one plugin: its kind, current pid, denied accesses. */
  describe(name: string): Record<string, unknown> | undefined;
}

/** The run-time operations on plugin processes that the API exposes. */
export interface PluginLifecycle {
  enable(name: string): Promise<void>;
  disable(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** Switches a running plugin to the version now on disk without a gap (see the supervisor). */
  upgrade?(name: string): Promise<UpgradeOutcome>;
}

/** What an upgrade did: the versions before and after, and how long the old one took to stop. */
export interface UpgradeOutcome {
  plugin: string;
  from: string;
  to: string;
  retiredMs: number;
}

/**
 * A request handler as `Deno.serve` and the host's front call it; `info` is absent when tests
 * call it directly.
 */
export type AppHandler = (
  request: Request,
  info?: { remoteAddr: Deno.NetAddr },
) => Promise<Response>;

/**
 * Builds the host's request handler, apart from serving it, so tests can call it in process.
 * Every failure becomes a problem+json response here; failures that are not the client's are
 * logged with their cause.
 */
export function createApp(deps: AppDeps): AppHandler {
  const router = new Router();
  const metrics = deps.metrics ?? new Metrics(deps.registry);
  healthRoutes(router, deps);
  pluginRoutes(router, { ...deps, metrics });
  if (deps.attestations) attestationRoutes(router, deps.attestations);
  if (deps.axParser) axRoutes(router, deps.axParser, deps.registry);
  if (deps.hosts) hostRoutes(router, deps.hosts);
  if (deps.pulse) pulseRoutes(router, deps.pulse);
  if (deps.configs) configRoutes(router, deps.configs);
  if (deps.approvals) approvalRoutes(router, deps.approvals);
  if (deps.installs) installRoutes(router, deps.installs);
  if (deps.credentials) {
    authRoutes(
      router,
      deps.credentials,
      deps.tokens && deps.audit && {
        tokens: deps.tokens,
        audit: deps.audit,
      },
    );
  }
  // Behind the credential check like every other route: a 401 sends the console to sign in.
  router.get("/api/auth/whoami", () => Response.json({ auth: deps.credentials ? "on" : "off" }));
  if (deps.console) consoleRoutes(router);
  router.get(
    "/metrics",
    async () =>
      new Response(
        metrics.render() + (deps.pulse ? await pulseMetrics(deps.pulse) : "") +
          (deps.frontMetrics?.() ?? ""),
        { headers: { "content-type": "text/plain; version=0.0.4" } },
      ),
  );
  // Last: the host's own /api routes above take precedence over plugin names (which the
  // registry keeps from shadowing them).
  let toPlugin: RouteHandler | undefined;
  if (deps.gateway) {
    const proxy = toPlugin = pluginProxy({
      registry: deps.registry,
      gateway: deps.gateway,
      metrics,
      bodyLimit: deps.bodyLimit ?? 16 * 1024 * 1024,
      timeoutMs: deps.requestTimeoutMs ?? 30_000,
      hostCredentials: deps.credentials ? SESSION_COOKIE : undefined,
      fullPathRetry: deps.fullPathRetry,
    });
    router.add("*", "/api/:domain", proxy).add("*", "/api/:domain/*", proxy);
    const relay = webSocketRelay({
      registry: deps.registry,
      gateway: deps.gateway,
      logger: deps.logger,
      allowedOrigins: deps.allowedOrigins ?? [],
      keepalive: deps.keepalive ?? { enabled: true, pingIntervalSecs: 30, pongTimeoutSecs: 60 },
      maxMessageBytes: deps.bodyLimit ?? 16 * 1024 * 1024,
      hostCredentials: deps.credentials ? SESSION_COOKIE : undefined,
      maxPerClient: deps.maxWebSocketsPerClient,
    });
    router.get("/:domain-ws", relay.raw).get("/:domain-ws/*", relay.raw);
    // QNTX's browser side: JSON envelopes, the query as gRPC metadata.
    router.get("/ws/:domain", relay.qntx);
  }
  const hostApi = /^\/api\/(plugins|attestations|pulse|events|auth|audit|ax|hosts)(\/|$)/;
  return async (request, info) => {
    const url = new URL(request.url);
    let principal: Principal | undefined;
    let remote: Deno.NetAddr | undefined;
    let hostRoute = false;
    try {
      // Before anything else, plugin routes and WebSockets included: a page that rebinds a name
      // to this machine must not read what the host or its plugins answer.
      deps.guard?.checkHost(url);
      remote = info?.remoteAddr;
      // The hot path, /api/<domain>/…, skips the pattern list (the host's own /api routes first).
      const path = url.pathname;
      const pluginPath = toPlugin !== undefined && path.startsWith("/api/") && !hostApi.test(path);
      hostRoute = !pluginPath;
      // Every route needs a credential but health, the console's own code and its sign-in:
      // plugin routes and WebSocket upgrades included.
      if (deps.credentials && !isPublic(request.method, path, deps.metricsPublic ?? false)) {
        principal = deps.credentials.authenticate(request, clientKey(remote));
        checkScope(principal, request, path);
      }
      if (pluginPath) {
        const slash = path.indexOf("/", 5);
        const domain = slash < 0 ? path.slice(5) : path.slice(5, slash);
        if (domain) return await toPlugin!({ request, url, params: { domain }, remote });
      }
      const { handler, params } = router.match(request.method, url);
      hostRoute = handler !== toPlugin;
      if (hostRoute) deps.guard?.checkCrossSite(request, url);
      const response = await handler({ request, url, params, remote });
      if (hostRoute) audit(deps, request, url, principal, remote, response.status);
      return response;
    } catch (error) {
      if (describeFailure(error).status >= 500 && !(error instanceof HttpError)) {
        deps.logger.error(`${request.method} ${url.pathname} failed`, { error });
      }
      const response = problemResponse(error, url.pathname);
      if (hostRoute) audit(deps, request, url, principal, remote, response.status);
      return response;
    }
  };
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A read-only token may read (safe methods, no WebSocket: a socket can send anything) and
 * nothing else; the named tokens and the audit log are the operator's alone.
 */
/** POSTs that change nothing (a body too large for a query string): read tokens may send them. */
const READING_POSTS: ReadonlySet<string> = new Set(["/api/ax/parse"]);

/** What another host may relay for the operator: plugin lists, actions and log reads. */
const PEER_ROUTES =
  /^\/api\/plugins(\/[a-z0-9][a-z0-9-]*(\/(logs|pause|resume|restart|enable|disable))?)?$/;

function checkScope(principal: Principal, request: Request, path: string): void {
  if (principal.scope === "admin") return;
  if (principal.scope === "peer") {
    const upgrade = request.headers.get("upgrade") !== null;
    if (PEER_ROUTES.test(path) && !upgrade) return;
    throw new HttpError(
      403,
      `another host of the cluster may relay plugin actions and log reads only, not ` +
        `${request.method} ${path}`,
    );
  }
  const upgrade = request.headers.get("upgrade") !== null;
  const adminOnly = path.startsWith("/api/auth/tokens") || path.startsWith("/api/audit");
  const reads = SAFE.has(request.method) || READING_POSTS.has(path);
  if (reads && !upgrade && !adminOnly) return;
  throw new HttpError(
    403,
    `token "${principal.name}" is read-only: ${request.method} ${path} needs an admin token ` +
      "or the operator's",
  );
}

/** Records a state change on the host's own routes (who, what, from where, and the answer). */
function audit(
  deps: AppDeps,
  request: Request,
  url: URL,
  principal: Principal | undefined,
  remote: Deno.NetAddr | undefined,
  status: number,
): void {
  if (!deps.audit || SAFE.has(request.method) || READING_POSTS.has(url.pathname)) return;
  // Requests refused for want of a credential are not written one by one (anyone could fill the
  // log): the credential check records its counted failures itself.
  if (!principal && deps.credentials) return;
  // A sign-in's own record is its outcome; what it carried is never kept.
  deps.audit.append({
    at: Date.now(),
    actor: principal?.name ?? (deps.credentials ? "-" : "anyone (auth off)"),
    action: `${request.method} ${url.pathname}`,
    target: auditTarget(url.pathname),
    client: clientKey(remote),
    status,
  });
}

/** The thing a path acts on: a plugin's, job's, schedule's or token's name, else the path. */
function auditTarget(path: string): string {
  const match = /^\/api\/(?:plugins|pulse\/jobs|pulse\/schedules|auth\/tokens)\/([^/]+)/.exec(
    path,
  );
  return match ? decodeURIComponent(match[1]!) : path;
}
