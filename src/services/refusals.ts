import { Refusal } from "../jobs/mod.ts";
import type { Logger } from "../plugin/mod.ts";
import type { Caller } from "./tokens.ts";

/**
 * Told of every call refused for reaching beyond the caller's own jobs, handlers and
 * schedules, so the operator learns a plugin tried (the plugin only gets its answer).
 */
export type RefusalSink = (caller: Caller, refusal: Refusal) => void;

const SEEN_KEPT = 1000;

/**
 * The sink the services use unless given another: a warning naming the plugin, each distinct
 * refusal once, as the denied-access log does (a plugin retrying in a loop does not flood the
 * log; the memory of what was said is bounded).
 */
export function warnRefusals(logger: Logger, service: string): RefusalSink {
  const seen = new Set<string>();
  return (caller, refusal) => {
    const key = `${caller.plugin}\n${refusal.detail}`;
    if (seen.has(key)) return;
    if (seen.size >= SEEN_KEPT) seen.clear();
    seen.add(key);
    logger.warn(`${service} refused: ${refusal.detail}`, {
      plugin: caller.plugin,
      version: caller.version,
    });
  };
}

/** `work`, whose refusals reach `sink` before they become the plugin's answer. */
export function recorded<Req, Res>(
  sink: RefusalSink,
  work: (request: Req, caller: Caller) => Res,
): (request: Req, caller: Caller) => Res {
  const told = (caller: Caller) => (error: unknown) => {
    if (error instanceof Refusal) sink(caller, error);
    throw error;
  };
  return (request, caller) => {
    try {
      const answer = work(request, caller);
      // A store on another engine answers later: its refusals are recorded as they come.
      return (answer instanceof Promise ? answer.catch(told(caller)) : answer) as Res;
    } catch (error) {
      return told(caller)(error);
    }
  };
}
