import { HttpError } from "./http_error.ts";
import { originMatches } from "./origin.ts";

/**
 * The host's defenses against web pages the operator visits. A page cannot read the host's
 * answers, but it can send it requests: a `no-cors` fetch or a form POST (cross-site request
 * forgery), or requests through a name it controls that resolves to the host (DNS rebinding).
 * Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`) and send the name they
 * connected to (`Host`); programs send neither browser header and go on to the credential check.
 */

/** Names the host always answers to, besides its bind address and `[server] allowed_hosts`. */
const LOCAL_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** Methods that change state. */
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface BrowserGuard {
  /** 421 unless the request names the host by an address or a name it answers to. */
  checkHost(url: URL): void;
  /** 403 for a state change a browser sent on behalf of another site. */
  checkCrossSite(request: Request, url: URL): void;
}

/**
 * A guard for a host bound to `bindAddress` that also answers to `allowedHosts` and accepts
 * state changes from `allowedOrigins` (as `[server] allowed_origins` lists them).
 */
export function browserGuard(
  bindAddress: string,
  allowedHosts: readonly string[],
  allowedOrigins: readonly string[],
): BrowserGuard {
  const names = new Set(
    [...LOCAL_NAMES, bindAddress, ...allowedHosts].map((name) => name.toLowerCase()),
  );
  return {
    checkHost(url) {
      const host = url.hostname.toLowerCase();
      // An address cannot be rebound: a page can only send the name it loaded from.
      if (names.has(host) || isAddress(host)) return;
      throw new HttpError(
        421,
        `this host does not answer to the name "${host}" (a page that rebinds a name of its ` +
          `own to this machine would use one); add it to allowed_hosts in [server] if it is ` +
          `yours`,
      );
    },
    checkCrossSite(request, url) {
      if (!UNSAFE.has(request.method)) return;
      const action = `${request.method} ${url.pathname}`;
      const site = request.headers.get("sec-fetch-site");
      if (site !== null && site !== "same-origin" && site !== "none") {
        throw new HttpError(
          403,
          `${action} is refused: the request came from another site (Sec-Fetch-Site: ${site}); ` +
            `use the console at ${url.origin}/ or a client that is not a web page`,
        );
      }
      const origin = request.headers.get("origin");
      // After checkHost the request's own origin is one the host answers to: not a rebinding.
      if (origin === null || origin === url.origin) return;
      if (allowedOrigins.some((allowed) => originMatches(allowed, origin))) return;
      throw new HttpError(
        403,
        `${action} is refused: the request came from ${origin}, not ${url.origin}; use the ` +
          `console at ${url.origin}/, a client that is not a web page, or add the origin to ` +
          `allowed_origins in [server]`,
      );
    },
  };
}

/** An IPv4 or bracketed IPv6 literal, as URL parsing leaves a hostname. */
function isAddress(host: string): boolean {
  return host.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}
