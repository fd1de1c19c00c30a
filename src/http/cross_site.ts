import { HttpError } from "./http_error.ts";

/**
 * Refuses a state change a browser sent on behalf of another site: a web page the operator
 * visits can POST to a loopback host (a `no-cors` fetch, a form) but cannot hide where it came
 * from. `Sec-Fetch-Site` decides when the browser sends it; else an `Origin` must be the
 * host's own. A request with neither is not from a browser's page and passes.
 */
export function refuseCrossSite(request: Request, url: URL, action: string): void {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    if (site === "same-origin" || site === "none") return;
    throw new HttpError(
      403,
      `${action} is refused: the request came from another site (Sec-Fetch-Site: ${site}); ` +
        `use the console at ${url.origin}/ or a client that is not a web page`,
    );
  }
  const origin = request.headers.get("origin");
  if (origin === null || origin === url.origin) return;
  throw new HttpError(
    403,
    `${action} is refused: the request came from ${origin}, not ${url.origin}; ` +
      `use the console at ${url.origin}/ or a client that is not a web page`,
  );
}
