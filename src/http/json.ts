/** A JSON response; `init` may set the status and headers. */
export function json(body: unknown, init: ResponseInit = {}): Response {
  return Response.json(body, init);
}
