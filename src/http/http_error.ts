/** What an {@link HttpError} carries besides its status and message. */
export interface HttpErrorOptions {
  /** Response headers (`Retry-After`, `Allow`, …). */
  headers?: HeadersInit;
  /** The error behind this one, for the log; never sent to the client. */
  cause?: unknown;
  /** Members added to the problem document (`plugin`, `state`, …). */
  [member: string]: unknown;
}

/**
 * An error that knows its HTTP status. Thrown anywhere in request handling and turned into an
 * `application/problem+json` response in one place ({@link problemResponse}):
 * `new HttpError(503, "plugin is paused", { plugin, state, headers: { "retry-after": "5" } })`.
 */
export class HttpError extends Error {
  override name = "HttpError";
  /** Members added to the problem document. */
  readonly extra: Record<string, unknown>;
  readonly headers: HeadersInit;

  constructor(readonly status: number, message: string, options: HttpErrorOptions = {}) {
    const { headers = {}, cause, ...extra } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.extra = extra;
    this.headers = headers;
  }
}
