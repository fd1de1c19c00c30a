import { type PluginCallError, type PluginState } from "../plugin/mod.ts";
import { type domain, fromWireHeaders, toWireHeaders } from "../protocol/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { readBodyLimited } from "./body_limit.ts";
import { HttpError } from "./http_error.ts";
import type { Metrics } from "./metrics.ts";
import type { RouteContext } from "./router.ts";

/** How the edge reaches plugin processes (the supervisor, in the host). */
export interface PluginGateway {
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
}

/** Seconds a client should wait before trying again, by state. */
const RETRY_AFTER: Record<Exclude<PluginState, "running">, number> = {
  loading: 1,
  paused: 5,
  stopped: 30,
  failed: 30,
};

const STATUS_OF_FAILURE: Record<PluginCallError["failure"], number> = {
  unreachable: 502,
  timeout: 504,
  cancelled: 499,
  draining: 503,
  invalid: 502,
};

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * `/api/<domain>` and `/api/<domain>/*`: forwards the request to the plugin once (no retries),
 * with the prefix removed and the query kept, every method, every header value but hop-by-hop
 * ones, and cancels it when the client goes away. Not running: 503 with `Retry-After`.
 */
export function pluginProxy(options: ProxyOptions): (context: RouteContext) => Promise<Response> {
  const { registry, metrics } = options;
  return async (context) => {
    const name = context.params.domain!;
    if (!registry.snapshot(name)) {
      throw new HttpError(404, `no plugin named "${name}" is registered`, { plugin: name });
    }
    const started = performance.now();
    let status = 500;
    try {
      const response = await forward(options, name, context);
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
  { request, url, remote }: RouteContext,
): Promise<Response> {
  const { registry, gateway } = options;
  const snapshot = registry.snapshot(name)!;
  if (snapshot.state !== "running") {
    throw new HttpError(
      503,
      `plugin "${name}" is ${snapshot.state}` +
        (snapshot.lastError ? `: ${snapshot.lastError}` : ""),
      { plugin: name, state: snapshot.state },
      { "retry-after": String(RETRY_AFTER[snapshot.state]) },
    );
  }
  const prefix = `/api/${name}`;
  const path = (url.pathname.slice(prefix.length) || "/") + url.search;
  const headers = toWireHeaders(request.headers, true);
  headers.push({ name: "x-forwarded-proto", values: [url.protocol.replace(":", "")] });
  headers.push({ name: "x-forwarded-host", values: [url.host] });
  if (remote) headers.push({ name: "x-forwarded-for", values: [remote.hostname] });
  const body = await readBodyLimited(request, options.bodyLimit, name);

  let answer: domain.HTTPResponse;
  try {
    answer = await gateway.handleHttp(
      name,
      { method: request.method, path, headers, body },
      options.timeoutMs,
      request.signal,
    );
  } catch (error) {
    const failure = (error as PluginCallError).failure ?? "unreachable";
    const status = STATUS_OF_FAILURE[failure];
    throw new HttpError(
      status,
      (error as Error).message,
      { plugin: name, state: registry.getState(name) ?? "unknown" },
      status === 503 ? { "retry-after": "1" } : {},
    );
  }
  if (
    !Number.isInteger(answer.statusCode) || answer.statusCode < 200 || answer.statusCode > 599
  ) {
    throw new HttpError(
      502,
      `plugin "${name}" answered with an invalid status ${answer.statusCode}`,
      {
        plugin: name,
        state: "running",
      },
    );
  }
  const responseHeaders = fromWireHeaders(answer.headers, true);
  const responseBody = NULL_BODY.has(answer.statusCode)
    ? null
    : answer.body as Uint8Array<ArrayBuffer>;
  return new Response(responseBody, { status: answer.statusCode, headers: responseHeaders });
}
