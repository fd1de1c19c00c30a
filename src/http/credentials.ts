import { createHash } from "node:crypto";
import type { ApiTokenStore, TokenScope } from "../store/mod.ts";
import { HttpError } from "./http_error.ts";

/**
 * Who may use the operator's API: programs with the operator's token (`Authorization: Bearer`),
 * the console with a session cookie it got by signing in with that token (or by a one-time
 * sign-in link the host prints at start). Tokens are compared in constant time; failed attempts
 * are counted per client and refused for a while beyond a few.
 */

/** The session cookie: HttpOnly and SameSite=Strict, so no other site's page can use it. */
export const SESSION_COOKIE = "qntx_session";

/** Failed attempts a client may make per window before it is refused for the rest of it. */
const FAILURES_ALLOWED = 10;
const FAILURE_WINDOW_MS = 60_000;
/** How long a one-time sign-in link works. */
const ONCE_TTL_MS = 15 * 60_000;

export interface CredentialOptions {
  /** The operator's token. */
  token: string;
  /** How long a console session lasts. */
  sessionMs: number;
  now?: () => number;
  /** Told of each refused attempt (the audit trail). */
  onFailure?: (client: string, reason: string) => void;
  /** Named tokens, when the host keeps them (`qntx_<id>_<secret>`, read or admin). */
  tokens?: ApiTokenStore;
  /**
   * The secret of the hosts that share a database, once known: another host relaying the
   * operator's plugin actions and log reads presents it (scope `peer`: those routes alone).
   */
  peerToken?: () => string | undefined;
}

/** What a request was authenticated as. */
export interface Principal {
  /** `token` for a program, `session` for the console. */
  by: "token" | "session";
  /** `operator`, or the named token's name. */
  name: string;
  /** `peer`: another host of the cluster, relaying plugin actions and log reads. */
  scope: TokenScope | "peer";
}

const NAMED_TOKEN = /^qntx_([0-9a-f]{16})_([0-9a-f]{64})$/;

interface Session {
  expires: number;
}

export class Credentials {
  readonly #token: Uint8Array;
  readonly #sessions = new Map<string, Session>();
  readonly #once = new Map<string, number>();
  readonly #failures = new Map<string, { count: number; since: number }>();
  readonly #now: () => number;

  constructor(readonly options: CredentialOptions) {
    this.#token = new TextEncoder().encode(options.token);
    this.#now = options.now ?? Date.now;
  }

  /**
   * The principal of a request, or a 401 (429 after too many failures from this client). A
   * request that carries no credential at all is refused without counting as a failure.
   */
  authenticate(request: Request, client: string): Principal {
    this.#refuseIfLimited(client);
    const header = request.headers.get("authorization");
    if (header !== null) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const presented = match?.[1];
      if (presented && equalConstantTime(new TextEncoder().encode(presented), this.#token)) {
        return { by: "token", name: "operator", scope: "admin" };
      }
      const peer = this.options.peerToken?.();
      if (
        presented && peer &&
        equalConstantTime(new TextEncoder().encode(presented), new TextEncoder().encode(peer))
      ) {
        return { by: "token", name: "another host of the cluster", scope: "peer" };
      }
      const named = presented ? this.#named(presented) : undefined;
      if (named) return named;
      throw this.#failed(client, "the bearer token is not valid");
    }
    const session = cookie(request.headers.get("cookie"), SESSION_COOKIE);
    if (session !== undefined) {
      const found = this.#sessions.get(session);
      if (found && found.expires > this.#now()) {
        return { by: "session", name: "operator", scope: "admin" };
      }
      this.#sessions.delete(session);
      throw new HttpError(401, "the console session has expired; sign in again at /login", {
        headers: {
          "www-authenticate": 'Bearer realm="qntx"',
        },
      });
    }
    throw new HttpError(
      401,
      "this route needs a credential: send Authorization: Bearer <token> (the operator's token " +
        "from [auth] token, QNTX_AUTH_TOKEN or the token file the host logs at start), or sign " +
        "in to the console at /login",
      { headers: { "www-authenticate": 'Bearer realm="qntx"' } },
    );
  }

  /**
   * Makes a named token; its secret is in the answer and nowhere else (the store keeps its
   * hash). Throws when the name is taken.
   */
  createToken(name: string, scope: TokenScope): string {
    if (!this.options.tokens) throw new HttpError(409, "this host keeps no named tokens");
    const id = randomId().slice(0, 16);
    const secret = randomId();
    try {
      this.options.tokens.insert({ id, name, scope, secretHash: hashOf(secret), at: this.#now() });
    } catch {
      throw new HttpError(
        409,
        `a token named "${name}" exists; revoke it first or pick another name`,
      );
    }
    return `qntx_${id}_${secret}`;
  }

  #named(presented: string): Principal | undefined {
    const match = NAMED_TOKEN.exec(presented);
    if (!match || !this.options.tokens) return undefined;
    const found = this.options.tokens.find(match[1]!);
    if (!found) return undefined;
    const encoder = new TextEncoder();
    if (!equalConstantTime(encoder.encode(hashOf(match[2]!)), encoder.encode(found.secretHash))) {
      return undefined;
    }
    this.options.tokens.markUsed(found.id, this.#now());
    return { by: "token", name: found.name, scope: found.scope };
  }

  /** Signs in with the operator's token: a new session id, or 401. */
  signIn(token: string, client: string): string {
    this.#refuseIfLimited(client);
    if (!equalConstantTime(new TextEncoder().encode(token), this.#token)) {
      throw this.#failed(client, "sign-in with a token that is not valid");
    }
    return this.#newSession();
  }

  /** A one-time sign-in code (for the link the host prints at start). */
  issueOnce(): string {
    const code = randomId();
    this.#once.set(code, this.#now() + ONCE_TTL_MS);
    return code;
  }

  /** Trades a one-time code for a session; the code works once, within its time. */
  redeemOnce(code: string, client: string): string {
    this.#refuseIfLimited(client);
    const expires = this.#once.get(code);
    this.#once.delete(code);
    if (expires === undefined || expires <= this.#now()) {
      throw this.#failed(client, "a sign-in link that is used, expired or unknown");
    }
    return this.#newSession();
  }

  signOut(request: Request): void {
    const session = cookie(request.headers.get("cookie"), SESSION_COOKIE);
    if (session !== undefined) this.#sessions.delete(session);
  }

  /** The `Set-Cookie` value of a session (`secure` when the host is reached over HTTPS). */
  sessionCookie(id: string, secure: boolean): string {
    const seconds = Math.floor(this.options.sessionMs / 1000);
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${seconds}` +
      (secure ? "; Secure" : "");
  }

  /** The `Set-Cookie` value that ends a session in the browser. */
  static clearedCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  #newSession(): string {
    const now = this.#now();
    for (const [id, session] of this.#sessions) {
      if (session.expires <= now) this.#sessions.delete(id);
    }
    const id = randomId();
    this.#sessions.set(id, { expires: now + this.options.sessionMs });
    return id;
  }

  #refuseIfLimited(client: string): void {
    const entry = this.#failures.get(client);
    if (!entry) return;
    if (this.#now() - entry.since > FAILURE_WINDOW_MS) {
      this.#failures.delete(client);
      return;
    }
    if (entry.count >= FAILURES_ALLOWED) {
      throw new HttpError(429, `too many failed sign-in attempts from ${client}; wait a minute`, {
        headers: {
          "retry-after": String(Math.ceil((entry.since + FAILURE_WINDOW_MS - this.#now()) / 1000)),
        },
      });
    }
  }

  #failed(client: string, reason: string): HttpError {
    const now = this.#now();
    const entry = this.#failures.get(client);
    if (!entry || now - entry.since > FAILURE_WINDOW_MS) {
      this.#failures.set(client, { count: 1, since: now });
    } else entry.count++;
    // Bounded: a flood of addresses cannot grow this without end.
    if (this.#failures.size > 10_000) this.#failures.clear();
    this.options.onFailure?.(client, reason);
    return new HttpError(401, `${reason}; nothing was done`, {
      headers: {
        "www-authenticate": 'Bearer realm="qntx", error="invalid_token"',
      },
    });
  }
}

/** The SHA-256 of a token's secret, as the store keeps it. */
function hashOf(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** 256 random bits as hex. */
export function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Compares two byte strings without leaking where they differ through timing. */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function cookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}
