const TITLES: Readonly<Record<number, string>> = {
  100: "Continue",
  101: "Switching Protocols",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  417: "Expectation Failed",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  499: "Client Closed Request",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** The reason phrase of a status line, empty for a status without a common one. */
export function reasonPhrase(status: number): string {
  return TITLES[status] ?? "";
}

/**
 * The `title` of a problem document (RFC 9457) for a status: the same words on both sides of
 * the wire, the host's answers and the plugins'.
 */
export function statusTitle(status: number): string {
  return TITLES[status] ??
    (status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Error");
}

/** An `application/problem+json` response: `detail` says what went wrong, `members` add facts. */
export function problemJson(
  status: number,
  detail: string,
  members: Record<string, unknown> = {},
  init: { headers?: HeadersInit; instance?: string } = {},
): Response {
  const body: Record<string, unknown> = {
    type: "about:blank",
    title: statusTitle(status),
    status,
    detail,
  };
  if (init.instance !== undefined) body.instance = init.instance;
  const response = Response.json({ ...body, ...members }, { status, headers: init.headers });
  response.headers.set("content-type", "application/problem+json");
  return response;
}
