/**
 * What a plugin may reach through the host's job and schedule services: its own jobs, its own
 * schedules and its own handlers, nothing else.
 *
 * A job is plugin P's when its handler is `P/<handler>` (the `plugin` column), whoever
 * enqueued it: P itself, one of P's schedules, or the operator through the API. The handler
 * decides whose code runs the job and so whose data its payload is; `source` only says who
 * enqueued it, and for the operator's jobs that is `api`, which is no plugin at all.
 */
import { JobError } from "./job_record.ts";

const SHORT_HANDLER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * A request refused because it reached for what is not the caller's. `message` is the
 * plugin's answer (for another's job or schedule, the very answer for one that does not
 * exist); `detail` is what the operator is told.
 */
export class Refusal extends JobError {
  override name = "Refusal";
  constructor(message: string, readonly detail: string, kind: "invalid" | "missing" = "invalid") {
    super(message, kind);
  }
}

/**
 * `item` when it belongs to `plugin`. Otherwise the answer is `<what> does not exist` whether
 * or not it exists, so a plugin cannot learn which ids others hold; a {@link Refusal} when it
 * does, so the attempt is recorded.
 */
export function owned<T extends { plugin: string }>(
  plugin: string,
  what: string,
  item: T | undefined,
): T {
  if (item && item.plugin === plugin) return item;
  const message = `${what} does not exist`;
  if (!item) throw new JobError(message, "missing");
  const owner = item.plugin === "" ? "the host" : `plugin "${item.plugin}"`;
  throw new Refusal(
    message,
    `plugin "${plugin}" reached for ${what} of ${owner}; it was told that it does not exist`,
    "missing",
  );
}

/** `handler` with or without the plugin's prefix, as `<plugin>/<handler>`; throws when invalid. */
export function pluginHandler(plugin: string, handler: string): string {
  const short = handler.startsWith(`${plugin}/`) ? handler.slice(plugin.length + 1) : handler;
  if (!SHORT_HANDLER.test(short)) {
    throw new JobError(`handler_name "${handler}" is not a handler of plugin "${plugin}"`);
  }
  return `${plugin}/${short}`;
}

/**
 * The handler a plugin may `verb` (enqueue, schedule): `<plugin>/<handler>` or a bare
 * `<handler>`, both stored as `<plugin>/<handler>`. Another plugin's handler is refused, and
 * so is a bare name in `hostHandlers`: a bare name used to mean the host's handler, and such a
 * request is refused rather than quietly sent to the plugin's own handler of that name.
 * Whatever the list holds, a plugin never makes a job without its own prefix.
 */
export function ownHandler(
  plugin: string,
  handler: string,
  verb: "enqueue" | "schedule",
  hostHandlers: ReadonlySet<string> = new Set(),
): string {
  if (hostHandlers.has(handler)) {
    const message = `plugin "${plugin}" may not ${verb} host handler "${handler}": host handlers` +
      ` run only when the operator asks (POST /api/pulse/jobs); its own handler of that name is` +
      ` "${plugin}/${handler}"`;
    throw new Refusal(message, message);
  }
  if (handler.includes("/") && !handler.startsWith(`${plugin}/`)) {
    const allows = verb === "enqueue"
      ? "the operator may enqueue any through the API (POST /api/pulse/jobs)"
      : `only the plugin named before the "/" may schedule its handlers`;
    const message = `plugin "${plugin}" may not ${verb} "${handler}": a plugin may ${verb} only` +
      ` its own handlers ("${plugin}/<handler>" or "<handler>"); ${allows}`;
    throw new Refusal(message, message);
  }
  return pluginHandler(plugin, handler);
}

/** The plugin of a `<plugin>/<handler>` name; empty for a host handler (no "/"). */
export function pluginOf(handlerName: string): string {
  const slash = handlerName.indexOf("/");
  return slash < 0 ? "" : handlerName.slice(0, slash);
}
