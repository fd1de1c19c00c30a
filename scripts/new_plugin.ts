/**
 * `deno task new <name> [--dir <folder>]`: a new TypeScript plugin in `<folder>/<name>/`
 * (default `plugins/`): its manifest, a `main.ts` with a setting, routes, a WebSocket and a job,
 * its tests and a README (see scripts/plugin_template.ts). Refuses a name no plugin may take and
 * a folder that exists.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nameProblem } from "../src/registry/mod.ts";
import { pluginFiles } from "./plugin_template.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = "usage: deno task new <name> [--dir <folder>]";

/** Writes the plugin and returns its folder; throws with what is wrong. */
export async function newPlugin(args: readonly string[], cwd = Deno.cwd()): Promise<string> {
  let name: string | undefined;
  let folder = "plugins";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--dir") folder = args[++i] ?? "";
    else if (args[i]!.startsWith("--")) throw new Error(`unknown option ${args[i]}; ${USAGE}`);
    else if (name === undefined) name = args[i];
    else throw new Error(USAGE);
  }
  if (!name || !folder) throw new Error(USAGE);
  const problem = nameProblem(name);
  if (problem) throw new Error(`"${name}" cannot be a plugin's name: ${problem}`);
  const dir = resolve(cwd, folder, name);
  if (await Deno.stat(dir).then(() => true, () => false)) {
    throw new Error(`${dir} exists; choose another name or folder`);
  }
  const toSdk = relative(dir, join(REPO, "src", "sdk", "mod.ts"));
  const sdk = toSdk.startsWith(".") ? toSdk : `./${toSdk}`;
  await Deno.mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(pluginFiles(name, sdk))) {
    await Deno.writeTextFile(join(dir, file), text);
  }
  // Laid out as the project's formatter lays out its own files (line widths depend on the name).
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", join(REPO, "deno.json"), dir],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  return dir;
}

if (import.meta.main) {
  try {
    const dir = await newPlugin(Deno.args);
    const name = dir.split("/").at(-1);
    console.log(`made ${dir}: plugin.json, main.ts, main_test.ts, README.md

next:
  1. enable it in am.toml:  [plugin] enabled = [..., "${name}"]
     (a folder outside plugins/ goes in [plugin] paths too)
  2. deno task dev                       # the host; it restarts ${name} as you edit
  3. deno task api POST /api/${name}/notes '{"text": "hello"}'
  4. deno task check-plugin ${relative(Deno.cwd(), dir)}    # before you ship it`);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
}
