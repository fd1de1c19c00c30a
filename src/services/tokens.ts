/** Who a service call speaks for, as its token says. */
export interface Caller {
  plugin: string;
  version: string;
}

/** Looks up the plugin behind a token (the supervisor's token registry, in the host). */
export interface TokenOwners {
  owner(token: string): Caller | undefined;
}

/** The exact answer to a call with a token the host did not issue (or that died with its process). */
export const INVALID_TOKEN = "invalid authentication token";
