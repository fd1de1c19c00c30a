import { HttpError } from "./http_error.ts";

/** Context of one matched request. */
export interface RouteContext {
  request: Request;
  url: URL;
  params: Record<string, string | undefined>;
  /** The client's address, when known. */
  remote?: Deno.NetAddr;
}

export type RouteHandler = (context: RouteContext) => Response | Promise<Response>;

interface PatternRoute {
  pattern: URLPattern;
  methods: Map<string, RouteHandler>;
}

/**
 * Routes by method and path. Static paths sit in a map; paths with parameters are URLPatterns
 * tried in the order added. A known path with the wrong method is 405 with `Allow`, an unknown
 * path 404.
 */
export class Router {
  readonly #static = new Map<string, Map<string, RouteHandler>>();
  readonly #patterns: PatternRoute[] = [];

  /** `method` is an HTTP method or `*`; `path` a URLPattern pathname such as `/api/plugins/:name`. */
  add(method: string, path: string, handler: RouteHandler): this {
    const upper = method.toUpperCase();
    if (!/[:*(]/.test(path)) {
      const methods = this.#static.get(path) ?? new Map();
      methods.set(upper, handler);
      this.#static.set(path, methods);
      return this;
    }
    let route = this.#patterns.find((candidate) => candidate.pattern.pathname === path);
    if (!route) {
      route = { pattern: new URLPattern({ pathname: path }), methods: new Map() };
      this.#patterns.push(route);
    }
    route.methods.set(upper, handler);
    return this;
  }

  get(path: string, handler: RouteHandler): this {
    return this.add("GET", path, handler);
  }

  post(path: string, handler: RouteHandler): this {
    return this.add("POST", path, handler);
  }

  /** Finds the handler for a request, or throws 404/405. */
  match(
    method: string,
    url: URL,
  ): { handler: RouteHandler; params: Record<string, string | undefined> } {
    const known = this.#static.get(url.pathname);
    if (known) return { handler: pick(known, method, url.pathname), params: {} };
    for (const route of this.#patterns) {
      const found = route.pattern.exec({ pathname: url.pathname });
      if (found) {
        return {
          handler: pick(route.methods, method, url.pathname),
          params: found.pathname.groups,
        };
      }
    }
    throw new HttpError(404, `no route for ${url.pathname}`);
  }
}

function pick(methods: Map<string, RouteHandler>, method: string, path: string): RouteHandler {
  const handler = methods.get(method) ?? (method === "HEAD" ? methods.get("GET") : undefined) ??
    methods.get("*");
  if (handler) return handler;
  const allow = [...methods.keys()].join(", ");
  throw new HttpError(405, `${path} does not accept ${method}; it accepts ${allow}`, {
    headers: { allow },
  });
}
