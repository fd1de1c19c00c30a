import type { Route, RouteHandler } from "./definition.ts";
import { compilePath, type PathPattern } from "./path_pattern.ts";

interface Compiled {
  method: string;
  pattern: PathPattern;
  handler: RouteHandler;
}

/** What the router found for a request. */
export type RouteMatch =
  | { kind: "found"; handler: RouteHandler; params: Record<string, string | undefined> }
  | { kind: "wrong-method"; allow: string[] }
  | { kind: "none" };

/**
 * A plugin's HTTP routes, tried in the order declared. The SDK's internal type, exported only
 * because `PluginService` shows it; plugin code declares routes in its definition.
 */
export class PluginRouter {
  readonly #routes: Compiled[];

  /** A router for `routes`; each `path` must be a valid URLPattern pathname. */
  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({
      method: route.method.toUpperCase(),
      pattern: compilePath(route.path),
      handler: route.handler,
    }));
  }

  /** The first route whose path matches `pathname` and whose method is `method` (GET serves HEAD). */
  match(method: string, pathname: string): RouteMatch {
    const allow: string[] = [];
    for (const route of this.#routes) {
      const params = route.pattern.exec(pathname);
      if (!params) continue;
      if (
        route.method === "*" || route.method === method ||
        (method === "HEAD" && route.method === "GET")
      ) {
        return { kind: "found", handler: route.handler, params };
      }
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: "wrong-method", allow } : { kind: "none" };
  }
}
