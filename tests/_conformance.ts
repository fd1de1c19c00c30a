/** `deno task conformance` as a user runs it: a process, its exit code and its JSON report. */
import type { ConformanceReport } from "../src/conformance/mod.ts";
import { REPO } from "./_host_process.ts";

export async function conformance(
  path: string,
  options: string[] = [],
): Promise<{ code: number; report: ConformanceReport }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO}scripts/conformance.ts`, path, ...options, "--json"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  try {
    return { code: output.code, report: JSON.parse(text) };
  } catch {
    throw new Error(
      `conformance printed no report (exit ${output.code}): ${text}\n` +
        new TextDecoder().decode(output.stderr),
    );
  }
}
