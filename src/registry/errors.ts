/** What kind of refusal a registry operation met; the HTTP edge maps it to a status. */
export type RegistryErrorCode =
  /** no plugin by that name */
  | "not_found"
  /** the name is taken, or the plugin is in the wrong state for the operation */
  | "conflict"
  /** the plugin's name or metadata is malformed */
  | "invalid"
  /** the plugin does not run on this host's version */
  | "incompatible"
  /** the plugin lacks the capability the operation needs */
  | "unsupported"
  /** a new process of the plugin did not come up (an upgrade); what served goes on serving */
  | "failed";

/** A registry operation refused, with a message an operator can act on. */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(readonly code: RegistryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** Text of an unknown thrown value, for messages and logs. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A gRPC error's message starts with its code ("2 UNKNOWN: …"): the details are the words.
  const details = (error as { details?: unknown }).details;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "number" && typeof details === "string" && details !== "") return details;
  return error.message;
}
