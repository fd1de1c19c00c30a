import { z } from "zod";
import { Credentials } from "../credentials.ts";
import { HttpError } from "../http_error.ts";
import { readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";
import type { ApiTokenStore, AuditLog } from "../../store/mod.ts";

const signInBody = z.object({ token: z.string().min(1).max(1024) }).strict();
const newTokenBody = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
    message: "a name of lowercase letters, digits, . _ - (up to 63)",
  }),
  scope: z.enum(["read", "admin"]),
}).strict();

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
export function authRoutes(
  router: Router,
  credentials: Credentials,
  store?: { tokens: ApiTokenStore; audit: AuditLog },
): void {
  if (store) tokenRoutes(router, credentials, store.tokens, store.audit);
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

/**
 * Named tokens (the operator's alone): `GET /api/auth/tokens` lists them (never a secret),
 * `POST /api/auth/tokens {"name", "scope"}` makes one and answers its secret once,
 * `DELETE /api/auth/tokens/<name>` revokes it; `GET /api/audit?limit=` is the audit log.
 */
function tokenRoutes(
  router: Router,
  credentials: Credentials,
  tokens: ApiTokenStore,
  audit: AuditLog,
): void {
  router.get("/api/auth/tokens", () => Response.json({ tokens: tokens.list() }));
  router.post("/api/auth/tokens", async ({ request }) => {
    const parsed = newTokenBody.safeParse(await readJsonObject(request, 4096));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        `${issue.path.join(".") || "body"}: ${issue.message}`
      );
      throw new HttpError(
        400,
        `a token needs {"name", "scope": "read" | "admin"}: ${problems.join("; ")}`,
      );
    }
    const { name, scope } = parsed.data;
    const token = credentials.createToken(name, scope);
    return Response.json({ name, scope, token }, {
      status: 201,
      headers: { "cache-control": "no-store" },
    });
  });
  router.add("DELETE", "/api/auth/tokens/:name", ({ params }) => {
    if (!tokens.remove(params.name!)) {
      throw new HttpError(404, `no token is named "${params.name}"`);
    }
    return new Response(null, { status: 204 });
  });
  router.get("/api/audit", ({ url }) => {
    const limit = Number(url.searchParams.get("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new HttpError(400, "limit must be an integer from 1 to 1000");
    }
    return Response.json({ entries: audit.recent(limit) });
  });
}

/** Paths served without a credential: health, the console's code and its sign-in. */
export function isPublic(method: string, path: string, metricsPublic: boolean): boolean {
  if (path === "/healthz" || path === "/login" || path === "/") return true;
  if (path.startsWith("/console/")) return true;
  if (path === "/api/auth/session" && method === "POST") return true;
  return metricsPublic && path === "/metrics";
}
