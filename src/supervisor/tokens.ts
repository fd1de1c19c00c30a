import { encodeHex } from "./hex.ts";

/** Who a token speaks for: one launch of one plugin. */
export interface TokenOwner {
  plugin: string;
  version: string;
  /** Which launch of the plugin; a token dies with its process. */
  generation: number;
}

/**
 * The tokens of the running plugin processes. Each launch gets a fresh 256-bit token, handed
 * over in Initialize (never argv or env); host services identify the caller by it, so a plugin
 * cannot act as another, and a dead process's token stops working.
 */
export class TokenRegistry {
  readonly #owners = new Map<string, TokenOwner>();

  issue(owner: TokenOwner): string {
    const token = encodeHex(crypto.getRandomValues(new Uint8Array(32)));
    this.#owners.set(token, owner);
    return token;
  }

  /** The owner of a token, or undefined for an unknown or revoked one. */
  owner(token: string): TokenOwner | undefined {
    return this.#owners.get(token);
  }

  revoke(token: string): void {
    this.#owners.delete(token);
  }
}
