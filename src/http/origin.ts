/**
 * Whether a WebSocket upgrade may proceed given its `Origin`. Same-origin requests and
 * allow-listed origins pass (`*` allows any); an absent Origin (not a browser) passes only from
 * a loopback address, so a remote page can never slip past the list by sending none.
 */
export function originAllowed(
  origin: string | null,
  requestUrl: URL,
  allowed: readonly string[],
  remoteAddress: string | undefined,
): boolean {
  if (origin === null || origin === "") return isLoopback(remoteAddress);
  if (allowed.includes("*")) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === requestUrl.origin) return true;
  return allowed.some((entry) => {
    try {
      return new URL(entry).origin === parsed.origin;
    } catch {
      return false;
    }
  });
}

/** Whether an address is the local machine (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
