/** The checks of a plugin at work: its routes, a WebSocket, jobs and health. */
import * as grpc from "@grpc/grpc-js";
import {
  callUnary,
  domain,
  isUnimplemented,
  nowNanos,
  readClose,
  WS_CODE,
  WS_PATH,
  WS_QUERY,
  WS_REASON,
} from "../protocol/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import type { Findings } from "./findings.ts";
import { CALL_MS } from "./handshake_steps.ts";
import { timed } from "./timed.ts";

/** The host's default deadline for a health probe (`[plugin] health_timeout`). */
export const HEALTH_MS = 5_000;
const WEBSOCKET_MS = 2_000;
const MISSING_PATH = "/conformance-check/no-such-route";
const encoder = new TextEncoder();

/**
 * Calls every declared route that a bare GET can reach (no parameters in its path), and a path
 * the plugin does not serve, which must be a 404: QNTX's host retries a 404 with the full path.
 */
export async function checkRoutes(
  client: domain.DomainPluginServiceClient,
  routes: readonly domain.RouteInfo[],
  findings: Findings,
): Promise<void> {
  const step = "routes";
  const plain = routes.filter((route) =>
    ["GET", "*"].includes(route.method.toUpperCase()) && !/[{}:*]/.test(route.path)
  );
  const others = routes.filter((route) => !plain.includes(route));
  for (const route of plain) {
    try {
      const [answer, ms] = await timed(() => get(client, route.path));
      const status = answer.statusCode;
      if (status < 100 || status > 599) {
        findings.fail(step, `GET ${route.path} answered status ${status}; 100 to 599 only`);
      } else if (status >= 500) {
        findings.warn(
          step,
          `GET ${route.path} answered ${status} (${ms} ms): ${preview(answer.body)}`,
        );
      } else {findings.pass(
          step,
          `GET ${route.path} → ${status}, ${answer.body.length} bytes, ${ms} ms`,
        );}
    } catch (error) {
      findings.fail(step, `GET ${route.path} failed: ${reasonOf(error)}`);
    }
  }
  if (others.length > 0) {
    findings.skip(
      step,
      `not called (they need a body or parameters): ${
        others.map((route) => `${route.method} ${route.path}`).join(", ")
      }`,
    );
  }
  try {
    const answer = await get(client, MISSING_PATH);
    if (answer.statusCode === 404) findings.pass(step, `a path it does not serve → 404`);
    else {
      findings.warn(
        step,
        `GET ${MISSING_PATH} (no such route) answered ${answer.statusCode}; answer 404 for paths ` +
          "you do not serve, so the host can tell a missing route from a failing one",
      );
    }
  } catch (error) {
    if (isUnimplemented(error) && routes.length === 0) {
      findings.skip(step, "HandleHTTP is UNIMPLEMENTED and no routes are declared");
    } else {findings.fail(
        step,
        `HandleHTTP failed for a path it does not serve: ${reasonOf(error)}`,
      );}
  }
}

function get(client: domain.DomainPluginServiceClient, path: string): Promise<domain.HTTPResponse> {
  return callUnary(client.handleHttp.bind(client), {
    method: "GET",
    path,
    headers: [{ name: "accept", values: ["*/*"] }],
    body: new Uint8Array(),
  }, CALL_MS);
}

function preview(body: Uint8Array): string {
  const text = new TextDecoder().decode(body.subarray(0, 200)).replace(/\s+/g, " ").trim();
  return text === "" ? "(empty body)" : text;
}

/**
 * Opens one WebSocket stream as the host does for a browser on `/ws/<name>`: CONNECT with the
 * query (also as gRPC metadata), a PING that should come back as a PONG with the same data,
 * then CLOSE, after which the plugin should end the stream.
 */
export async function checkWebSocket(
  client: domain.DomainPluginServiceClient,
  query: string,
  declared: boolean,
  findings: Findings,
): Promise<void> {
  const step = "websocket";
  const metadata = new grpc.Metadata();
  for (const [key, value] of new URLSearchParams(query)) metadata.add(key.toLowerCase(), value);
  const stream = client.handleWebSocket(metadata, { deadline: Date.now() + 3 * WEBSOCKET_MS });
  const Type = domain.WebSocketMessage_Type;
  const token = `conformance-${crypto.randomUUID()}`;
  const received: domain.WebSocketMessage[] = [];
  let failure: grpc.ServiceError | undefined;
  let ended = false;
  const changed = new EventTarget();
  stream.on("data", (message: domain.WebSocketMessage) => {
    received.push(message);
    changed.dispatchEvent(new Event("change"));
  });
  stream.on("error", (error: grpc.ServiceError) => {
    failure = error;
    changed.dispatchEvent(new Event("change"));
  });
  stream.on("end", () => {
    ended = true;
    changed.dispatchEvent(new Event("change"));
  });
  const frame = (type: domain.WebSocketMessage_Type, data: Uint8Array, headers = {}) =>
    stream.write({ type, data, headers, timestamp: nowNanos() });
  try {
    frame(Type.CONNECT, new Uint8Array(), { [WS_PATH]: "", [WS_QUERY]: query });
    frame(Type.PING, encoder.encode(token));
    const pong = await until(changed, WEBSOCKET_MS, () =>
      failure !== undefined || ended ||
      received.some((message) =>
        message.type === Type.PONG && new TextDecoder().decode(message.data) === token
      ));
    if (failure && isUnimplemented(failure) && !declared) {
      findings.skip(step, "HandleWebSocket is UNIMPLEMENTED: no WebSockets");
      return;
    }
    if (failure) {
      findings.fail(step, `HandleWebSocket failed: ${failure.code} ${failure.details}`);
      return;
    }
    const others = received.filter((message) => message.type !== Type.PONG).length;
    if (pong && !ended) {
      findings.pass(
        step,
        `a PING came back as a PONG with its data${others ? ` (and ${others} other frames)` : ""}`,
      );
    } else {
      findings.warn(
        step,
        `a PING got no PONG within ${WEBSOCKET_MS} ms (${received.length} frames came back` +
          `${ended ? ", then the stream ended" : ""}); this host's raw relay (/<name>-ws) ` +
          "expects one with the same data",
      );
    }
    frame(Type.CLOSE, new Uint8Array(), {
      [WS_CODE]: "1000",
      [WS_REASON]: "conformance check done",
    });
    stream.end();
    const closed = await until(changed, WEBSOCKET_MS, () => ended || failure !== undefined);
    const close = received.find((message) => message.type === Type.CLOSE);
    // Set by the stream's events meanwhile, which the compiler cannot see.
    const late = failure as grpc.ServiceError | undefined;
    if (closed && !late) {
      findings.pass(
        step,
        `after CLOSE the plugin ended the stream${
          close ? ` (its CLOSE: ${readClose(close.headers).code})` : ""
        }`,
      );
    } else {
      findings.warn(
        step,
        late
          ? `after CLOSE the stream failed: ${late.code} ${late.details}`
          : `after CLOSE the stream stayed open ${WEBSOCKET_MS} ms; end your side after a CLOSE`,
      );
    }
  } finally {
    stream.cancel();
  }
}

/** Resolves true once `done()` holds (checked at each change), false after `ms`. */
function until(changes: EventTarget, ms: number, done: () => boolean): Promise<boolean> {
  if (done()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const check = () => {
      if (!done()) return;
      finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    const finish = (value: boolean) => {
      clearTimeout(timer);
      changes.removeEventListener("change", check);
      resolve(value);
    };
    changes.addEventListener("change", check);
  });
}

/**
 * Jobs as the host runs them: a handler the plugin does not have must fail (not crash it), and
 * each job the author asked for (`handler → JSON payload`) must succeed.
 */
export async function checkJobs(
  client: domain.DomainPluginServiceClient,
  handlers: readonly string[],
  wanted: Readonly<Record<string, string>>,
  findings: Findings,
): Promise<void> {
  const step = "jobs";
  const execute = (handlerName: string, payload: string) =>
    timed(() =>
      callUnary(client.executeJob.bind(client), {
        jobId: `conformance-${crypto.randomUUID()}`,
        handlerName,
        payload: encoder.encode(payload),
        timeoutSecs: 30n,
      }, 30_000)
    );
  try {
    const [answer] = await execute("conformance-no-such-handler", "{}");
    if (answer.success) {
      findings.fail(step, "a job for a handler it does not have answered success = true");
    } else {
      findings.pass(
        step,
        `a job for a handler it does not have fails: ${answer.error || "(no error text)"}`,
      );
    }
  } catch (error) {
    if (isUnimplemented(error) && handlers.length === 0) {
      findings.skip(step, "ExecuteJob is UNIMPLEMENTED and no handlers are declared");
    } else {
      findings.warn(
        step,
        `a job for a handler it does not have failed the call (${reasonOf(error)}); answer ` +
          "success = false with an error, which the job's record shows",
      );
    }
  }
  for (const [handler, payload] of Object.entries(wanted)) {
    if (!handlers.includes(handler)) {
      findings.fail(
        step,
        `--job ${handler}: the plugin declares no such handler (${handlers.join(", ") || "none"})`,
      );
      continue;
    }
    try {
      const [answer, ms] = await execute(handler, payload);
      if (answer.success) {
        findings.pass(step, `job ${handler} succeeded in ${ms} ms: ${preview(answer.result)}`);
      } else findings.fail(step, `job ${handler} failed: ${answer.error || "(no error text)"}`);
    } catch (error) {
      findings.fail(step, `job ${handler} failed the call: ${reasonOf(error)}`);
    }
  }
  const untried = handlers.filter((handler) => !(handler in wanted));
  if (untried.length > 0) {
    findings.skip(
      step,
      `not run (jobs may act on the world; run one with --job <handler>=<json>): ${
        untried.join(", ")
      }`,
    );
  }
}

/** `Health` within the host's probe deadline. */
export async function checkHealth(
  client: domain.DomainPluginServiceClient,
  findings: Findings,
): Promise<void> {
  const step = "health";
  try {
    const [answer, ms] = await timed(() => callUnary(client.health.bind(client), {}, HEALTH_MS));
    if (answer.healthy) {
      findings.pass(step, `healthy in ${ms} ms: ${answer.message || "(no message)"}`);
    } else findings.warn(step, `says it is unhealthy: ${answer.message || "(no message)"}`);
  } catch (error) {
    findings.fail(step, `Health failed within ${HEALTH_MS} ms: ${reasonOf(error)}`);
  }
}
