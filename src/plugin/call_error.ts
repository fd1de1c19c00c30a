/** Why a call into a plugin did not produce an answer, as the HTTP edge maps it to a status. */
export type PluginCallFailure =
  /** the process is gone, starting, or its socket refuses: 502 */
  | "unreachable"
  /** the deadline passed: 504 */
  | "timeout"
  /** the caller went away: nobody to answer */
  | "cancelled"
  /** the plugin is stopping and finishes what it has: 503 */
  | "draining"
  /** the plugin answered something that is not a valid answer: 502 */
  | "invalid";

/** A failed call into a plugin, with a message that names the plugin and the cause. */
export class PluginCallError extends Error {
  override name = "PluginCallError";
  constructor(readonly failure: PluginCallFailure, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
