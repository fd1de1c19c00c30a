/** Prebuilt plugin programs for tests: scripts that run the echo plugin under another name. */
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

const NAMED_ECHO = `${REPO}tests/fixtures/tools/named_echo.ts`;

/** Writes an executable that serves the echo plugin as `name` (QNTX's `--port` or our socket). */
export async function writeProgram(path: string, name: string): Promise<void> {
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec "${Deno.execPath()}" run --config "${REPO}deno.json" --allow-all "${NAMED_ECHO}" --name ${name} "$@"\n`,
    { mode: 0o755 },
  );
}

/**
 * The grant that runs such a program unconfined: it starts `deno` from this checkout, which a
 * confined plugin's view of the machine does not hold.
 */
export function trustProgram(name: string): string {
  return `[plugin.grants.${name}]\ntrusted = true\n`;
}

/** A folder holding `qntx-<name>-plugin`: a QNTX-style plugin, unary HTTP only. */
export async function qntxPluginDir(name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-exe-" });
  await writeProgram(join(dir, `qntx-${name}-plugin`), name);
  return dir;
}

/**
 * A search path holding both kinds of prebuilt plugin: `portecho`, a QNTX program
 * (`qntx-portecho-plugin`, told a port), and `sdkexe`, a manifest naming an SDK binary; with
 * the grants that run them (they start `deno` from this checkout).
 */
export async function prebuiltPlugins(): Promise<{ dir: string; grants: string }> {
  const dir = await Deno.makeTempDir({ prefix: "qntx-exe-" });
  await writeProgram(join(dir, "qntx-portecho-plugin"), "portecho");
  await Deno.mkdir(join(dir, "sdkexe", "bin"), { recursive: true });
  await writeProgram(join(dir, "sdkexe", "bin", "run"), "sdkexe");
  await Deno.writeTextFile(
    join(dir, "sdkexe", "plugin.json"),
    JSON.stringify({ name: "sdkexe", version: "1.0.0", executable: "bin/run" }),
  );
  return { dir, grants: trustProgram("portecho") + trustProgram("sdkexe") };
}
