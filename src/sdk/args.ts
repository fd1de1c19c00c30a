import type { PluginAddress } from "../protocol/wire.ts";

/** What the host told a plugin process on its command line. */
export interface PluginArgs {
  address: PluginAddress;
  /** Exit when stdin reaches end of file: the host that started us is gone. */
  watchStdin: boolean;
  /** Where to serve the data channel (HTTP beside gRPC), when the host offers one. */
  dataSocket?: string;
  /** The folder the plugin may write (its own), when the host says. */
  dataDir?: string;
  /** Arguments the SDK did not know, reported but not fatal (another host may add some). */
  ignored: string[];
}

/**
 * Reads `--socket <path>` (this host) or `--port <n>` (QNTX's convention; 0 picks a free
 * port), and `--watch-stdin`. Throws a `TypeError` that says what is wrong.
 */
export function parsePluginArgs(args: readonly string[]): PluginArgs {
  let address: PluginAddress | undefined;
  let watchStdin = false;
  let dataSocket: string | undefined;
  let dataDir: string | undefined;
  const ignored: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = splitFlag(args[i]!);
    const value = () => inline ?? args[++i];
    if (flag === "--socket") {
      const path = value();
      if (!path?.startsWith("/")) {
        throw new TypeError(`--socket needs an absolute path, got ${path}`);
      }
      address = { kind: "unix", path };
    } else if (flag === "--port") {
      const text = value();
      const port = Number(text);
      if (!Number.isInteger(port) || port < 0 || port > 65535 || text === "") {
        throw new TypeError(`--port needs a port number from 0 to 65535, got ${text}`);
      }
      address = { kind: "tcp", port };
    } else if (flag === "--data-socket") {
      const path = value();
      if (!path?.startsWith("/")) {
        throw new TypeError(`--data-socket needs an absolute path, got ${path}`);
      }
      dataSocket = path;
    } else if (flag === "--data-dir") {
      const path = value();
      if (!path?.startsWith("/")) {
        throw new TypeError(`--data-dir needs an absolute path, got ${path}`);
      }
      dataDir = path;
    } else if (flag === "--watch-stdin") {
      watchStdin = true;
    } else {
      ignored.push(args[i]!);
    }
  }
  if (!address) throw new TypeError("a plugin needs --socket <path> or --port <n> to serve on");
  const result: PluginArgs = { address, watchStdin, ignored };
  if (dataSocket) result.dataSocket = dataSocket;
  if (dataDir) result.dataDir = dataDir;
  return result;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}
