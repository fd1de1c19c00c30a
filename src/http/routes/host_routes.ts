import type { HostRecord } from "../../store/mod.ts";
import { HttpError } from "../http_error.ts";
import { json } from "../json.ts";
import type { Router } from "../router.ts";

/** The hosts that share this host's database, and how to reach the others. */
export interface HostsDeps {
  /** The live hosts, this one first. */
  list(): Promise<HostRecord[]>;
  /** This host's id. */
  self: string;
  /** The secret this host presents to the others when it relays (unknown until connected). */
  relayToken(): string | undefined;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const ACTIONS = new Set(["pause", "resume", "restart", "upgrade", "enable", "disable"]);
/** How long a relayed action may take on the other host (a restart or upgrade waits for the plugin). */
const RELAY_MS = 60_000;

/**
 * `GET /api/hosts`: the hosts that share this host's database and are live (this one first),
 * each with its URL, version, last heartbeat and its plugins' states; alone, this host.
 *
 * And the relay the console uses for a plugin that runs on another host: its list
 * (`GET /api/hosts/<id>/plugins`), its log (`GET /api/hosts/<id>/plugins/<name>/logs`, streamed
 * as it comes) and its actions (`POST /api/hosts/<id>/plugins/<name>/<action>`), carried out by
 * that host with the cluster's relay secret and answered as that host answered.
 */
export function hostRoutes(router: Router, hosts: HostsDeps): void {
  router.get("/api/hosts", async () => json({ hosts: await hosts.list() }));

  const relay = async (
    id: string,
    path: string,
    method: "GET" | "POST",
    signal: AbortSignal,
  ): Promise<Response> => {
    if (id === hosts.self) {
      throw new HttpError(400, `host "${id}" is this host: use ${path} here`);
    }
    const target = (await hosts.list()).find((host) => host.id === id);
    if (!target) throw new HttpError(404, `no live host "${id}" shares this host's database`);
    const token = hosts.relayToken();
    if (!token) throw new HttpError(503, "this host has not reached the shared database yet");
    const timeout = AbortSignal.timeout(RELAY_MS);
    const url = new URL(path, target.url);
    let answer: Response;
    try {
      answer = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}` },
        redirect: "manual",
        // A log stream lasts as long as the operator reads it; an action has a deadline.
        signal: path.endsWith("/logs") ? signal : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      throw new HttpError(
        502,
        `host "${id}" at ${target.url} did not answer: ${(error as Error).message}`,
      );
    }
    const headers = new Headers();
    for (const name of ["content-type", "cache-control"]) {
      const value = answer.headers.get(name);
      if (value) headers.set(name, value);
    }
    headers.set("x-qntx-host", id);
    return new Response(answer.body, { status: answer.status, headers });
  };
  const plugin = (name: string | undefined) => {
    if (!name || !NAME.test(name)) throw new HttpError(400, `"${name}" is not a plugin name`);
    return name;
  };

  router.get(
    "/api/hosts/:id/plugins",
    ({ params, request }) => relay(params.id!, "/api/plugins", "GET", request.signal),
  );
  router.get("/api/hosts/:id/plugins/:name/logs", ({ params, url, request }) => {
    const tail = url.searchParams.get("tail");
    const query = tail && /^\d{1,6}$/.test(tail) ? `?tail=${tail}` : "";
    const path = `/api/plugins/${plugin(params.name)}/logs${query}`;
    return relay(params.id!, path, "GET", request.signal);
  });
  router.post("/api/hosts/:id/plugins/:name/:action", ({ params, request }) => {
    const action = params.action ?? "";
    if (!ACTIONS.has(action)) {
      throw new HttpError(404, `no action "${action}" (${[...ACTIONS].join(", ")})`);
    }
    const path = `/api/plugins/${plugin(params.name)}/${action}`;
    return relay(params.id!, path, "POST", request.signal);
  });
}
