/**
 * `deno task check-plugin <dir>`: what to know before shipping a plugin folder, each step PASS
 * or FAIL: its manifest, its types (`deno check` of the entry), its tests (`deno test` of the
 * folder, when it has any), then the protocol as QNTX's host drives it (the conformance check,
 * which also runs the SDK's definition checks). Exits 1 when a step fails.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import manifestJson from "../deno.json" with { type: "json" };
import {
  type Finding,
  Findings,
  formatFinding,
  formatSummary,
  runConformance,
} from "../src/conformance/mod.ts";
import { MANIFEST_FILE, parseManifest, stripAnsi } from "../src/supervisor/mod.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONFIG = join(REPO, "deno.json");

async function deno(args: string[], cwd: string): Promise<{ ok: boolean; output: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  const output = stripAnsi(`${text.decode(result.stdout)}${text.decode(result.stderr)}`);
  return { ok: result.success, output: output.trim() };
}

const lastLines = (text: string, count = 25) => text.split("\n").slice(-count).join("\n    ");

/** Checks the folder, telling each finding as it is made; the findings. */
export async function checkPlugin(
  dir: string,
  tell: (finding: Finding) => void = () => {},
): Promise<Finding[]> {
  const findings = new Findings(tell);
  let entry: string | undefined;
  try {
    const file = join(dir, MANIFEST_FILE);
    const manifest = parseManifest(await Deno.readTextFile(file), file);
    findings.pass("manifest", `${manifest.name} ${manifest.version}`);
    if (manifest.entry) entry = join(dir, manifest.entry);
  } catch (error) {
    findings.fail("manifest", (error as Error).message);
    return findings.list;
  }
  if (entry) {
    const checked = await deno(["check", "--quiet", "--config", CONFIG, entry], dir);
    findings.check(
      "types",
      checked.ok ? undefined : lastLines(checked.output),
      "deno check passes",
    );
  } else findings.skip("types", "a compiled executable: nothing to type-check");
  const tests: string[] = [];
  for await (const item of Deno.readDir(dir)) {
    if (/_test\.(ts|js)$/.test(item.name)) tests.push(item.name);
  }
  if (tests.length === 0) findings.skip("tests", "no *_test.ts files");
  else {
    const ran = await deno(["test", "--allow-all", "--quiet", "--config", CONFIG, dir], dir);
    const summary = ran.output.split("\n").reverse().find((line) => /passed|failed/.test(line));
    findings.check("tests", ran.ok ? undefined : lastLines(ran.output), summary ?? "passed");
  }
  const report = await runConformance({
    path: dir,
    runtime: { execPath: Deno.execPath(), denoConfig: CONFIG },
    hostVersion: manifestJson.version,
    onFinding: tell,
  });
  return [...findings.list, ...report.findings];
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir || Deno.args.length > 1) {
    console.error("usage: deno task check-plugin <plugin folder>");
    Deno.exit(2);
  }
  const folder = resolve(dir);
  console.log(`checking ${folder}`);
  const findings = await checkPlugin(folder, (finding) => console.log(formatFinding(finding)));
  console.log(
    formatSummary({ plugin: folder.split("/").at(-1)!, target: folder, findings, stderr: [] }),
  );
  Deno.exit(findings.some((finding) => finding.outcome === "fail") ? 1 : 0);
}
