import { ThrottledWarning } from "../log/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import { HttpError } from "./http_error.ts";

/** WebSocket close code "try again later". */
const TRY_AGAIN_LATER = 1013;

/**
 * How many of something (open WebSockets) each client address holds, so that one client cannot
 * hold them all. `take` answers 429 beyond the limit (and warns, throttled per client); the
 * release it returns gives one back.
 */
export class ClientQuota {
  readonly #held = new Map<string, number>();
  readonly #refusals?: ThrottledWarning;

  constructor(
    readonly limit: number | undefined,
    readonly what: string,
    readonly setting: string,
    logger?: Logger,
  ) {
    if (logger) this.#refusals = new ThrottledWarning(logger);
  }

  take(client: string): () => void {
    const held = this.#held.get(client) ?? 0;
    if (this.limit !== undefined && held >= this.limit) {
      this.#refusals?.warn(
        client,
        `refused ${this.what} to ${client}: it holds ${held}, the most one client may ` +
          `(${this.setting})`,
        { client, held },
      );
      throw new HttpError(
        429,
        `${client} holds ${held} ${this.what}, the most one client may (${this.setting}); ` +
          "close some first",
        { headers: { "retry-after": "5" } },
      );
    }
    this.#held.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(client) ?? 1) - 1;
      if (left > 0) this.#held.set(client, left);
      else this.#held.delete(client);
    };
  }
}

/**
 * Answers a WebSocket upgrade refused by a quota. A browser sees no status of a refused upgrade,
 * so a real upgrade is accepted and closed at once with 1013 (try again later) and the reason;
 * a request that cannot be upgraded gets the refusal itself (429).
 */
export function refuseUpgrade(request: Request, refusal: HttpError): Response {
  let upgraded: { socket: WebSocket; response: Response };
  try {
    upgraded = Deno.upgradeWebSocket(request);
  } catch {
    throw refusal;
  }
  // A close reason is at most 123 bytes.
  const reason = new TextEncoder().encode(refusal.message).length <= 123
    ? refusal.message
    : "too many WebSockets from this client; close some first";
  upgraded.socket.onopen = () => upgraded.socket.close(TRY_AGAIN_LATER, reason);
  return upgraded.response;
}
