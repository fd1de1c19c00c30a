/**
 * `deno task conformance <program | folder> [options]`: drives a plugin through the protocol as
 * QNTX's host does and prints each check as PASS, FAIL, WARN or SKIP; exits 1 when one fails.
 * For plugin authors in any language. The plugin runs as you, with your environment, like a
 * program you start yourself: check only plugins you would run.
 *
 *   deno task conformance ~/.qntx/plugins/qntx-notes-plugin
 *   deno task conformance plugins/biotech --job analyze='{"sequence":"ATG"}'
 *
 * Options:
 *   --arg <value>          an argument after --port <n> (repeat; QNTX's [<name>] args)
 *   --config <key>=<value> a setting sent in Initialize, over the schema's defaults (repeat)
 *   --job <handler>=<json> run this job and require success (repeat); others are not run
 *   --ws-query <query>     the query of the WebSocket's URL, also sent as gRPC metadata
 *   --json                 print the report as one JSON object instead
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import manifest from "../deno.json" with { type: "json" };
import {
  type ConformanceOptions,
  formatFinding,
  formatSummary,
  runConformance,
} from "../src/conformance/mod.ts";
import type { PluginProcess } from "../src/supervisor/mod.ts";

const USAGE = "usage: deno task conformance <program | folder> [--arg V] [--config K=V] " +
  "[--job HANDLER=JSON] [--ws-query Q] [--json]";

/** The command line as options; throws a usage error naming what is wrong. */
export function parseConformanceArgs(
  argv: readonly string[],
): Omit<ConformanceOptions, "runtime" | "hostVersion"> & { json: boolean } {
  const options = {
    path: "",
    args: [] as string[],
    config: {} as Record<string, string>,
    jobs: {} as Record<string, string>,
    wsQuery: "",
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value; ${USAGE}`);
      return next;
    };
    const pair = (text: string) => {
      const eq = text.indexOf("=");
      if (eq <= 0) throw new Error(`${arg} takes <name>=<value>, got "${text}"`);
      return [text.slice(0, eq), text.slice(eq + 1)] as const;
    };
    if (arg === "--arg") options.args.push(value());
    else if (arg === "--config") {
      const [key, text] = pair(value());
      options.config[key] = text;
    } else if (arg === "--job") {
      const [handler, payload] = pair(value());
      try {
        JSON.parse(payload);
      } catch {
        throw new Error(`--job ${handler}: the payload is not JSON: ${payload}`);
      }
      options.jobs[handler] = payload;
    } else if (arg === "--ws-query") {
      options.wsQuery = value().replace(/^\?/, "");
      for (const [key, text] of new URLSearchParams(options.wsQuery)) {
        // They travel as gRPC metadata: ASCII keys of [0-9a-z_.-], printable ASCII values.
        if (!/^[0-9a-z_.-]+$/.test(key.toLowerCase()) || key.toLowerCase().endsWith("-bin")) {
          throw new Error(`--ws-query: "${key}" cannot be a gRPC metadata key (0-9 a-z _ . -)`);
        }
        if (!/^[\x20-\x7e]*$/.test(text)) {
          throw new Error(`--ws-query: the value of "${key}" must be printable ASCII`);
        }
      }
    } else if (arg === "--json") options.json = true;
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}; ${USAGE}`);
    else if (options.path !== "") throw new Error(`one plugin at a time; ${USAGE}`);
    else options.path = arg;
  }
  if (options.path === "") throw new Error(USAGE);
  return options;
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseConformanceArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const { json, ...options } = parsed;
  // Plugins run in process groups of their own, which Ctrl-C does not reach: end them here.
  const live = new Set<PluginProcess>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      for (const process of live) process.signal("SIGKILL");
      Deno.exit(130);
    });
  }
  const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
  if (!json) console.log(`conformance check of ${options.path}, as QNTX's host drives a plugin`);
  const report = await runConformance({
    ...options,
    runtime: { execPath: Deno.execPath(), denoConfig: join(repo, "deno.json") },
    hostVersion: manifest.version,
    live,
    onFinding: json ? undefined : (finding) => console.log(formatFinding(finding)),
  });
  if (json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatSummary(report));
  Deno.exit(report.findings.some((finding) => finding.outcome === "fail") ? 1 : 0);
}
