import { HttpError } from "./http_error.ts";

/**
 * How many of something (open WebSockets) each client address holds, so that one client cannot
 * hold them all. `take` answers 429 beyond the limit; the release it returns gives one back.
 */
export class ClientQuota {
  readonly #held = new Map<string, number>();

  constructor(
    readonly limit: number | undefined,
    readonly what: string,
    readonly setting: string,
  ) {}

  take(client: string): () => void {
    const held = this.#held.get(client) ?? 0;
    if (this.limit !== undefined && held >= this.limit) {
      throw new HttpError(
        429,
        `${client} holds ${held} ${this.what}, the most one client may (${this.setting}); ` +
          "close some first",
        {},
        { "retry-after": "5" },
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
