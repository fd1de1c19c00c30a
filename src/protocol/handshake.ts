/**
 * How a plugin process says it is ready: one line on stdout. QNTX's convention for TCP is
 * `QNTX_PLUGIN_PORT=<n>` (the plugin may pick another port than the one it was given); for
 * a Unix socket this host uses `QNTX_PLUGIN_SOCKET=<path>`.
 */
export const PORT_LINE = "QNTX_PLUGIN_PORT=";
export const SOCKET_LINE = "QNTX_PLUGIN_SOCKET=";
/**
 * This host's extension: an SDK plugin given `--data-socket` serves everything there (its
 * control calls too) and no gRPC at all, so it starts without loading a gRPC stack.
 */
export const CHANNEL_LINE = "QNTX_PLUGIN_CHANNEL=";

/** Where a plugin serves, as a gRPC target. */
export type PluginAddress =
  | { kind: "unix"; path: string }
  | { kind: "tcp"; port: number }
  /** The data channel's socket, where the plugin serves everything (no gRPC). */
  | { kind: "channel"; path: string };

/** The gRPC target string of an address: `unix:/path` or `127.0.0.1:port`. */
export function grpcTarget(address: PluginAddress): string {
  if (address.kind === "channel") {
    throw new TypeError(`a plugin on its data channel alone (${address.path}) serves no gRPC`);
  }
  return address.kind === "unix" ? `unix:${address.path}` : `127.0.0.1:${address.port}`;
}

/** The ready line a plugin prints for `address`. */
export function readyLine(address: PluginAddress): string {
  if (address.kind === "channel") return `${CHANNEL_LINE}${address.path}`;
  return address.kind === "unix" ? `${SOCKET_LINE}${address.path}` : `${PORT_LINE}${address.port}`;
}

/** The address a ready line announces, or undefined when the line is something else. */
export function parseReadyLine(line: string): PluginAddress | undefined {
  const text = line.trim();
  if (text.startsWith(PORT_LINE)) {
    const port = Number(text.slice(PORT_LINE.length));
    return Number.isInteger(port) && port > 0 && port < 65536 ? { kind: "tcp", port } : undefined;
  }
  if (text.startsWith(SOCKET_LINE)) {
    const path = text.slice(SOCKET_LINE.length);
    return path.startsWith("/") ? { kind: "unix", path } : undefined;
  }
  if (text.startsWith(CHANNEL_LINE)) {
    const path = text.slice(CHANNEL_LINE.length);
    return path.startsWith("/") ? { kind: "channel", path } : undefined;
  }
  return undefined;
}
