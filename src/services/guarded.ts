import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "../plugin/mod.ts";
import { type Caller, INVALID_TOKEN, type TokenOwners } from "./tokens.ts";

type Answer = { success: boolean; error: string };

/** Runs the work of a unary call for the plugin its token names. */
export type Guarded = <Req extends { authToken: string }, Res extends Answer>(
  refused: (error: string) => Res,
  work: (request: Req, caller: Caller) => Res | Promise<Res>,
) => grpc.handleUnaryCall<Req, Res>;

/**
 * Wraps the unary calls of one host service: the token is checked first (a wrong one gets
 * `invalid authentication token` and nothing else), and every failure becomes an answer with
 * `success=false`. Refusals the service expects (`expected`) carry their own words; anything
 * else is logged with the plugin's name and answered as a failure of `service`.
 */
export function guard(
  tokens: TokenOwners,
  logger: Logger,
  service: string,
  expected: (error: unknown) => boolean,
): Guarded {
  return (refused, work) => (call, callback) => {
    const caller = tokens.owner(call.request.authToken);
    if (!caller) return callback(null, refused(INVALID_TOKEN));
    const failed = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (expected(error)) return callback(null, refused(message));
      logger.error(`${service} call failed`, { plugin: caller.plugin, error });
      callback(null, refused(`the ${service} failed: ${message}`));
    };
    try {
      const answer = work(call.request, caller);
      // A store on another engine (PostgreSQL) answers later; SQLite's answer is here now.
      if (answer instanceof Promise) answer.then((done) => callback(null, done), failed);
      else callback(null, answer);
    } catch (error) {
      failed(error);
    }
  };
}
