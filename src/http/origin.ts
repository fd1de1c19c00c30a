/**
 * Whether a WebSocket upgrade may proceed given its `Origin`. Same-origin requests, allow-listed
 * origins (`*` allows any) and this machine's development origins pass; an absent Origin (not a
 * browser) passes only from a loopback address, so a remote page can never slip past the list by
 * sending none.
 */
export function originAllowed(
  origin: string | null,
  requestUrl: URL,
  allowed: readonly string[],
  remoteAddress: string | undefined,
): boolean {
  if (origin === null || origin === "") return isLoopback(remoteAddress);
  // The request's own origin counts only because the host checked its Host first: a page that
  // rebinds a name to this machine was refused (421) before it got here.
  if (origin === requestUrl.origin) return true;
  return [...allowed, ...LOCAL_DEV_ORIGINS].some((entry) => originMatches(entry, origin));
}

/**
 * Origins that may open WebSockets by default, as under QNTX: a development UI served from
 * another port of this machine.
 */
export const LOCAL_DEV_ORIGINS: readonly string[] = [
  "http://localhost:*",
  "https://localhost:*",
  "http://127.0.0.1:*",
  "https://127.0.0.1:*",
];

/**
 * Whether `origin` is the one an allow-list entry names: `*` is any, `scheme://host:*` any port
 * of that host, otherwise the same origin exactly.
 */
export function originMatches(entry: string, origin: string): boolean {
  if (entry === "*") return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (entry.endsWith(":*")) {
    return `${parsed.protocol}//${parsed.hostname}` === entry.slice(0, -2).toLowerCase();
  }
  try {
    return new URL(entry).origin === parsed.origin;
  } catch {
    return false;
  }
}

/** Whether an address is the local machine (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
