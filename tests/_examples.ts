/**
 * The protocol's examples (proto/examples/), built as their READMEs say, into a fresh plugin
 * search path in QNTX's tree layout (`<dir>/<name>/qntx-<name>-plugin`). The caller removes the
 * folder. Throws, naming the Debian packages, when a tool is missing (`.ci/run` installs them).
 */
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

const EXAMPLES = join(REPO, "proto", "examples");

/** `pynotes`: the Python example, its stubs generated beside it. */
export async function pythonExample(): Promise<string> {
  return await example("pynotes", async (dir) => {
    const program = join(dir, "qntx-pynotes-plugin");
    await Deno.copyFile(join(EXAMPLES, "python", "qntx-pynotes-plugin"), program);
    await Deno.chmod(program, 0o755);
    await run(join(EXAMPLES, "python", "generate.sh"), [dir]);
  });
}

/** `gonotes`: the Go example, built with Debian's Go and gRPC packages. */
export async function goExample(): Promise<string> {
  return await example("gonotes", (dir) => run(join(EXAMPLES, "go", "build.sh"), [dir]));
}

async function example(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: `qntx-example-${name}-` });
  try {
    await Deno.mkdir(join(root, name));
    await build(join(root, name));
    return root;
  } catch (error) {
    await Deno.remove(root, { recursive: true });
    throw error;
  }
}

async function run(script: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(script, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!result.success) {
    throw new Error(
      `${script} failed (exit ${result.code}): ${new TextDecoder().decode(result.stderr).trim()}`,
    );
  }
}
