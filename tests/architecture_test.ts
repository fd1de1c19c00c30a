/**
 * The layout rules of docs/architecture.md, checked: which subsystem may import which, only
 * through `mod.ts` (or a named second entry), dependencies only through the import map, files
 * kept small.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { SDK_SOURCE_FOLDERS } from "../src/supervisor/mod.ts";
import { REPO } from "./_host_process.ts";

const SRC = join(REPO, "src");

/** Subsystem → the subsystems it may import. Imports flow one way: core first, edges last. */
const ALLOWED: Record<string, string[]> = {
  plugin: [],
  // The protocol maps wire messages to the contract's types, so it knows the contract.
  protocol: ["plugin"],
  async: [],
  store: [],
  log: ["plugin"],
  // The SDK is what plugins import: the contract, the protocol and logging, no host internals.
  sdk: ["plugin", "protocol", "log"],
  registry: ["plugin", "async"],
  ats: ["plugin", "async", "store"],
  jobs: ["plugin", "async", "store", "ats"],
  services: ["plugin", "protocol", "ats", "jobs"],
  config: ["plugin", "registry"],
  // The console is static files the edge serves.
  console: [],
  http: ["plugin", "log", "protocol", "registry", "store", "ats", "jobs", "console"],
  // The host's own HTTP/1.1 server for clients beyond its trust (slow heads, connection caps).
  front: ["plugin", "log", "protocol"],
  // The host's own HTTP/2 client for unary gRPC calls.
  h2c: ["protocol", "async"],
  supervisor: ["plugin", "protocol", "async", "registry", "h2c"],
  // Installing checks an archive's manifest as a launch would read it.
  install: ["plugin", "protocol", "registry", "supervisor"],
  // The conformance check plays the host for one plugin, from the host's own parts.
  conformance: [
    "plugin",
    "async",
    "protocol",
    "log",
    "registry",
    "store",
    "ats",
    "jobs",
    "services",
    "supervisor",
  ],
  host: [
    "plugin",
    "async",
    "log",
    "registry",
    "config",
    "store",
    "http",
    "front",
    "supervisor",
    "ats",
    "jobs",
    "services",
    "install",
  ],
};

const MAX_LINES = 400;

/**
 * Entries other than `mod.ts`: the protocol without gRPC (`wire.ts`), which the SDK imports
 * so that a plugin on the data channel never loads grpc-js.
 */
const OTHER_ENTRIES = ["protocol/wire.ts"];

/** Generated stubs: not written here, so not held to these rules. */
const GENERATED = [join(SRC, "protocol", "gen"), join(SRC, "protocol", "gen_messages")];

function sourceFiles(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = join(dir, entry.name);
    if (GENERATED.includes(path)) return [];
    if (entry.isDirectory) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  const found: string[] = [];
  // `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`; a string in an
  // exported constant is not an import.
  const pattern =
    /(?:^|\s)(?:import|export)\s[^"';]*?\bfrom\s*["']([^"']+)["']|(?:^|\s)import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;
  for (const match of text.matchAll(pattern)) found.push(match[1] ?? match[2] ?? match[3]!);
  return found;
}

function subsystemOf(path: string): string | undefined {
  const rel = relative(SRC, path);
  return rel.startsWith("..") ? undefined : rel.split("/")[0];
}

Deno.test("every subsystem of src/ has a mod.ts and a rule in this test", () => {
  for (const entry of Deno.readDirSync(SRC)) {
    if (!entry.isDirectory) continue;
    assert.ok(entry.name in ALLOWED, `src/${entry.name} has no import rule`);
    assert.ok(Deno.statSync(join(SRC, entry.name, "mod.ts")).isFile, `src/${entry.name}/mod.ts`);
  }
});

Deno.test("imports flow one way and cross subsystems only through mod.ts", () => {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = subsystemOf(file)!;
    // Tests and their private helpers (`_`-prefixed) may use any subsystem, through its mod.ts.
    const isTest = file.endsWith("_test.ts") || file.split("/").at(-1)!.startsWith("_");
    for (const specifier of importsOf(Deno.readTextFileSync(file))) {
      if (!specifier.startsWith(".")) continue;
      const target = resolve(dirname(file), specifier);
      const to = subsystemOf(target);
      const where = `${relative(REPO, file)} imports ${specifier}`;
      if (to === undefined) {
        if (!target.endsWith("deno.json")) problems.push(`${where}: outside src/`);
        continue;
      }
      if (to === from) continue;
      const entry = target.endsWith(`${to}/mod.ts`) ||
        OTHER_ENTRIES.some((other) => target.endsWith(`src/${other}`));
      if (!entry) problems.push(`${where}: use src/${to}/mod.ts`);
      if (!isTest && !ALLOWED[from]!.includes(to)) {
        problems.push(`${where}: ${from} may not import ${to}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("dependencies come through deno.json's import map, never inline", () => {
  const files = [...sourceFiles(SRC), ...sourceFiles(join(REPO, "tests")), join(REPO, "main.ts")];
  const inline = files.flatMap((file) =>
    importsOf(Deno.readTextFileSync(file))
      .filter((specifier) => /^(npm|jsr|https?):/.test(specifier))
      .map((specifier) => `${relative(REPO, file)}: ${specifier}`)
  );
  assert.deepEqual(inline, []);
});

Deno.test(`source files stay under ${MAX_LINES} lines`, () => {
  const long = [...sourceFiles(SRC), join(REPO, "main.ts")]
    .map((file) => [relative(REPO, file), Deno.readTextFileSync(file).split("\n").length] as const)
    .filter(([, lines]) => lines > MAX_LINES);
  assert.deepEqual(long, []);
});

/** What an SDK plugin loads before it runs: the SDK's module graph without its dynamic imports. */
async function staticGraph(entry: string): Promise<string[]> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(REPO, "deno.json"), entry],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(success, "deno info failed");
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier: string } }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const pending = [...info.roots];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dependency.isDynamic && dependency.code) pending.push(dependency.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("an SDK plugin starts without grpc-js and without the host services' messages", async () => {
  const loaded = await staticGraph(join(SRC, "sdk", "mod.ts"));
  assert.ok(loaded.some((specifier) => specifier.endsWith("gen_messages/protocol/domain.ts")));
  // Each comes with the plugin's first call to the host's services (sdk/host_grpc.ts).
  const late = loaded.filter((specifier) =>
    /grpc-js|\/gen\/|gen_messages\/protocol\/(atsstore|queue|schedule|search)\.ts$/.test(specifier)
  );
  assert.deepEqual(late, []);
});

Deno.test("the SDK's bundle is rebuilt when any folder the SDK may import changes", () => {
  const reached = new Set(["sdk"]);
  for (const folder of reached) for (const next of ALLOWED[folder] ?? []) reached.add(next);
  assert.deepEqual([...reached].sort(), [...SDK_SOURCE_FOLDERS].sort());
});
