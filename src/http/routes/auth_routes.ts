import { z } from "zod";
import { Credentials } from "../credentials.ts";
import { HttpError } from "../http_error.ts";
import { readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";

const signInBody = z.object({ token: z.string().min(1).max(1024) }).strict();

/** The client's address as the credential check counts failures by. */
export function clientKey(remote: Deno.NetAddr | undefined): string {
  return remote?.hostname ?? "unknown";
}

/**
 * Signing in and out of the console. `GET /login?once=<code>` trades the one-time link the host
 * printed at start for a session; `POST /api/auth/session {"token"}` signs in with the
 * operator's token; `POST /api/auth/signout` ends the session. The session is an HttpOnly,
 * SameSite=Strict cookie. (`GET /api/auth/whoami`, in app.ts, tells the console whether auth
 * is on; behind the credential check, a 401 there sends it to sign in.)
 */
export function authRoutes(router: Router, credentials: Credentials): void {
  router.get("/login", ({ url, remote }) => {
    const code = url.searchParams.get("once");
    if (code === null) return Response.redirect(new URL("/console/login.html", url), 303);
    const session = credentials.redeemOnce(code, clientKey(remote));
    return new Response(null, {
      status: 303,
      headers: {
        location: "/",
        "set-cookie": credentials.sessionCookie(session, url.protocol === "https:"),
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      },
    });
  });
  router.post("/api/auth/session", async ({ request, url, remote }) => {
    const parsed = signInBody.safeParse(await readJsonObject(request, 4096));
    if (!parsed.success) {
      throw new HttpError(400, 'signing in needs {"token": "<the operator\'s token>"}');
    }
    const session = credentials.signIn(parsed.data.token, clientKey(remote));
    return new Response(null, {
      status: 204,
      headers: { "set-cookie": credentials.sessionCookie(session, url.protocol === "https:") },
    });
  });
  router.post("/api/auth/signout", ({ request }) => {
    credentials.signOut(request);
    return new Response(null, {
      status: 204,
      headers: { "set-cookie": Credentials.clearedCookie() },
    });
  });
}

/** Paths served without a credential: health, the console's code and its sign-in. */
export function isPublic(method: string, path: string, metricsPublic: boolean): boolean {
  if (path === "/healthz" || path === "/login" || path === "/") return true;
  if (path.startsWith("/console/")) return true;
  if (path === "/api/auth/session" && method === "POST") return true;
  return metricsPublic && path === "/metrics";
}
