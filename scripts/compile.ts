/**
 * `deno task compile [--dry-run]`: builds `dist/qntx-host` and `dist/plugins/<name>/` for every
 * enabled TypeScript plugin (see compile_plan.ts). `deno compile` downloads its runtime from
 * deno.land, so this needs a machine that can reach it; `--dry-run` prints the commands.
 */
import { resolve } from "node:path";
import { loadHostConfig } from "../src/config/mod.ts";
import { discoverPlugin, type FoundPlugin } from "../src/supervisor/mod.ts";
import { compilePlan } from "./compile_plan.ts";

const dryRun = Deno.args.includes("--dry-run");
const cwd = Deno.cwd();
const config = await loadHostConfig({ args: Deno.args });
const found: FoundPlugin[] = [];
for (const name of config.plugin.enabled) {
  const discovery = await discoverPlugin(name, config.plugin.paths, cwd);
  if (discovery.ok) found.push(discovery.plugin);
  else console.error(`skipped: ${discovery.problem}`);
}
const plan = compilePlan(config, found, resolve(cwd, "dist"), cwd);
for (const problem of plan.problems) console.error(`skipped: ${problem}`);
for (const step of plan.steps) {
  console.log(["deno", ...step.args].join(" "));
  if (dryRun) continue;
  const { code } = await new Deno.Command(Deno.execPath(), { args: step.args }).spawn().status;
  if (code !== 0) Deno.exit(code);
  if (step.manifest) {
    await Deno.writeTextFile(
      step.manifest.path,
      JSON.stringify(step.manifest.content, null, 2) + "\n",
    );
  }
}
