import { PluginCallError, type PluginState } from "../plugin/mod.ts";
import {
  type domain,
  fromWireHeaders,
  isHopByHop,
  markWholeBody,
  type StreamedResponse,
  toProxiedRequestHeaders,
} from "../protocol/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { readBodyLimited } from "./body_limit.ts";
import { HttpError } from "./http_error.ts";
import { describeFailure } from "./problem.ts";
import type { Metrics } from "./metrics.ts";
import type { RouteContext } from "./router.ts";

/** How the edge reaches plugin processes (the supervisor, in the host). */
export interface PluginGateway {
  /**
   * Sends a request over the plugin's data channel with both bodies streaming; null when the
   * plugin has none (QNTX plugins), and `handleHttp` is used instead. `caller` is the client's
   * request: its `signal` is read only if the answer takes a while (see data_client.ts).
   */
  streamHttp?(
    name: string,
    head: domain.HTTPRequest,
    body: ReadableStream<Uint8Array> | null,
    deadlineMs: number,
    caller?: { readonly signal: AbortSignal },
  ): Promise<StreamedResponse> | null;
  handleHttp(
    name: string,
    request: domain.HTTPRequest,
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<domain.HTTPResponse>;
}

export interface ProxyOptions {
  registry: Registry;
  gateway: PluginGateway;
  metrics?: Metrics;
  /** Largest body forwarded whole (413 above). */
  bodyLimit: number;
  /** Deadline of one request to a plugin (504 after). */
  timeoutMs: number;
  /** The session cookie's name when the host checks credentials (they stay with the host). */
  hostCredentials?: string;
  /**
   * Plugins whose 404 is tried again once with the full path (`/api/<name>/…`), as QNTX's host
   * does (its #277; pty-glyph relies on it). Unary `HandleHTTP` only.
   */
  fullPathRetry?: (name: string) => boolean;
}

/** Seconds a client should wait before trying again, by state. */
const RETRY_AFTER: Record<Exclude<PluginState, "running">, number> = {
  loading: 1,
  paused: 5,
  stopped: 30,
  failed: 30,
};

const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const EMPTY = new Uint8Array(0);
const NO_REQUEST_BODY = new Set(["GET", "HEAD"]);

/**
 * `/api/<domain>` and `/api/<domain>/*`: forwards the request to the plugin once (no retries),
 * with the prefix removed and the query kept, every method, every header value but hop-by-hop
 * ones and the client's forwarding headers (the host adds its own), and cancels it when the
 * client goes away. Not running: 503 with `Retry-After`.
 */
export function pluginProxy(options: ProxyOptions): (context: RouteContext) => Promise<Response> {
  const { registry, metrics } = options;
  const clients = new ClientWatch();
  return async (context) => {
    const name = context.params.domain!;
    const state = registry.getState(name);
    if (state === undefined) {
      throw new HttpError(404, `no plugin named "${name}" is registered`, { plugin: name });
    }
    const started = performance.now();
    let status = 500;
    // The host's own refusal (the plugin is paused, loading or down) is not the plugin's error.
    if (state !== "running") {
      metrics?.refused(name);
      return await forward(options, name, state, context, clients);
    }
    try {
      const response = await forward(options, name, state, context, clients);
      status = response.status;
      return response;
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      throw error;
    } finally {
      metrics?.observe(name, status, (performance.now() - started) / 1000);
    }
  };
}

async function forward(
  options: ProxyOptions,
  name: string,
  state: PluginState,
  { request, url, remote }: RouteContext,
  clients: ClientWatch,
): Promise<Response> {
  const { registry, gateway } = options;
  if (state !== "running") {
    const lastError = registry.snapshot(name)?.lastError;
    throw new HttpError(503, `plugin "${name}" is ${state}` + (lastError ? `: ${lastError}` : ""), {
      plugin: name,
      state,
      headers: { "retry-after": String(RETRY_AFTER[state]) },
    });
  }
  const prefix = `/api/${name}`;
  const path = (url.pathname.slice(prefix.length) || "/") + url.search;
  const headers = toProxiedRequestHeaders(request.headers, {
    proto: url.protocol.replace(":", ""),
    host: url.host,
    for: remote?.hostname,
    hostCredentials: options.hostCredentials,
  });
  const head: domain.HTTPRequest = { method: request.method, path, headers, body: EMPTY };
  // The method first: a GET's body is never looked at.
  const streamBody = !NO_REQUEST_BODY.has(request.method) && request.body ? request.body : null;
  // The data channel watches the client itself, with its deadlines (see data_client.ts).
  const streaming = gateway.streamHttp?.(name, head, streamBody, options.timeoutMs, request);
  if (streaming) {
    // The data channel: no size ceiling, bodies flow both ways as they are produced.
    let streamed;
    try {
      streamed = await streaming;
    } catch (error) {
      throw failure(registry, name, error);
    }
    checkStatus(name, streamed.status);
    if (NULL_BODY.has(streamed.status)) {
      await streamed.body?.cancel();
      return answerWith(null, streamed.status, streamed.headers);
    }
    const body = streamed.body ?? (streamed.whole as Uint8Array<ArrayBuffer> | undefined) ?? null;
    return answerWith(body, streamed.status, streamed.headers);
  }

  // Unary HandleHTTP (QNTX plugins): the body travels whole, so it has a limit.
  head.body = await readBodyLimited(request, options.bodyLimit, `plugin "${name}"`, {
    plugin: name,
  });
  let answer: domain.HTTPResponse;
  const client = clients.watch(request);
  try {
    answer = await gateway.handleHttp(name, head, options.timeoutMs, client.signal);
    if (answer.statusCode === 404 && options.fullPathRetry?.(name)) {
      answer = await gateway.handleHttp(
        name,
        { ...head, path: url.pathname + url.search },
        options.timeoutMs,
        client.signal,
      );
    }
  } catch (error) {
    throw failure(registry, name, error);
  } finally {
    clients.done(client);
  }
  checkStatus(name, answer.statusCode);
  const responseBody = NULL_BODY.has(answer.statusCode)
    ? null
    : answer.body as Uint8Array<ArrayBuffer>;
  return answerWith(responseBody, answer.statusCode, answer.headers);
}

/**
 * Added to every answer of a plugin, beside any policy of its own (a browser enforces both): a
 * page a plugin serves runs in an opaque origin, so a script in it cannot act as the operator
 * who opens it (the console's session, same-origin calls to the host's API). A plugin's UI
 * belongs in a glyph, which the console runs apart.
 */
export const PLUGIN_PAGE_POLICY =
  "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/**
 * The client's response. Headers go in as pairs, which `Response` copies far more cheaply than
 * a `Headers` object; hop-by-hop ones are left out, and when one is refused (a bad name or
 * value) the slower `fromWireHeaders` leaves just that one out.
 */
function answerWith(
  body: BodyInit | null,
  status: number,
  wire: readonly domain.HTTPHeader[],
): Response {
  let connection: Set<string> | undefined;
  for (const header of wire) {
    if (header.name.toLowerCase() !== "connection") continue;
    connection ??= new Set();
    for (const value of header.values) {
      for (const token of value.split(",")) connection.add(token.trim().toLowerCase());
    }
  }
  const pairs: [string, string][] = [["content-security-policy", PLUGIN_PAGE_POLICY]];
  for (const header of wire) {
    if (isHopByHop(header.name, connection ?? NO_TOKENS)) continue;
    for (const value of header.values) pairs.push([header.name, value]);
  }
  let response: Response;
  try {
    response = new Response(body, { status, headers: pairs });
  } catch {
    const headers = fromWireHeaders(wire, true);
    headers.append("content-security-policy", PLUGIN_PAGE_POLICY);
    response = new Response(body, { status, headers });
  }
  return body instanceof Uint8Array ? markWholeBody(response, body) : response;
}

const NO_TOKENS: ReadonlySet<string> = new Set();

/** A failed call as the client sees it (status by problem.ts), with the plugin and its state. */
function failure(registry: Registry, name: string, error: unknown): HttpError {
  const { status, detail, headers } = describeFailure(
    error instanceof PluginCallError
      ? error
      : new PluginCallError("unreachable", (error as Error).message, { cause: error }),
  );
  return new HttpError(status, detail, {
    plugin: name,
    state: registry.getState(name) ?? "unknown",
    headers,
  });
}

function checkStatus(name: string, status: number): void {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new HttpError(502, `plugin "${name}" answered with an invalid status ${status}`, {
      plugin: name,
      state: "running",
    });
  }
}

/** How long a request waits for its plugin before it watches for its client going away. */
const WATCH_AFTER_MS = 10;

/** One proxied request's link to its client: `signal` aborts when the client goes away. */
interface ClientLink {
  /** Dropped when the request is over, so a link kept a little longer holds nothing big. */
  request?: Request;
  controller: AbortController;
  signal: AbortSignal;
  /** Set once the client's signal is watched. */
  unlink?: () => void;
}

/**
 * Tells plugin requests that their client went away. Reading a `Deno.serve` request's
 * `signal` costs more than forwarding a small request (an operation to watch the connection,
 * then an abort with a `DOMException` when the response is done), so a request starts
 * watching only after it has waited {@link WATCH_AFTER_MS} to 2× that: quick answers never
 * read it. One timer serves every request, and runs only while some wait.
 *
 * Requests are kept in plain arrays replaced each tick, not in a `Set` with adds and deletes:
 * a cleared or rehashed `Set` table keeps its entries, and once such a table has been
 * promoted it holds the requests it saw through every young-generation GC until the next
 * full one, which costs more than the rest of the proxy's work.
 */
class ClientWatch {
  /** Requests that started during the current tick, and those from the tick before. */
  #young: ClientLink[] = [];
  #old: ClientLink[] = [];
  #waiting = 0;
  #timer?: ReturnType<typeof setInterval>;

  watch(request: Request): ClientLink {
    const controller = new AbortController();
    const link: ClientLink = { request, controller, signal: controller.signal };
    this.#young.push(link);
    this.#waiting++;
    this.#timer ??= setInterval(() => this.#tick(), WATCH_AFTER_MS);
    return link;
  }

  done(link: ClientLink): void {
    link.request = undefined;
    link.unlink?.();
    if (--this.#waiting > 0) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#young = [];
    this.#old = [];
  }

  #tick(): void {
    for (const link of this.#old) if (link.request) watchClient(link, link.request);
    this.#old = this.#young;
    this.#young = [];
  }
}

function watchClient(link: ClientLink, request: Request): void {
  const client = request.signal;
  const gone = () => link.controller.abort(client.reason);
  if (client.aborted) return gone();
  client.addEventListener("abort", gone, { once: true });
  link.unlink = () => client.removeEventListener("abort", gone);
}
