/**
 * An error that knows its HTTP status. Thrown anywhere in request handling and turned into an
 * `application/problem+json` response in one place ({@link problemResponse}).
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: HeadersInit = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
