/**
 * A plugin written in Python, as a QNTX author would write one: grpcio and protoc's message
 * classes, nothing of our SDK. Needs Debian's python3-grpcio, python3-protobuf,
 * protobuf-compiler and libprotobuf-dev (`.ci/run` installs them).
 */
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

/** The Python that runs the plugin (its `#!` line); the one on PATH may lack grpc. */
export const PYTHON = "/usr/bin/python3";
const PROTOC = "/usr/bin/protoc";
const PACKAGES = "python3-grpcio python3-protobuf protobuf-compiler libprotobuf-dev";
const SCRIPTS = `${REPO}tests/fixtures/python`;
/** The protos the plugin imports; atsstore.proto imports google/protobuf/struct.proto. */
const PROTOS = ["protocol/domain.proto", "protocol/atsstore.proto", "protocol/search.proto"];

/**
 * A fresh folder holding `qntx-pyecho-plugin` (or the `programs` named, each
 * `tests/fixtures/python/qntx-<name>-plugin`) and the generated `protocol/*_pb2.py`, ready to
 * be a plugin search path: flat, or in QNTX's tree layout (`tree`: `<dir>/<name>/` holds the
 * program and its `protocol/` library). The caller removes it. Throws, naming the Debian
 * packages, when Python's grpc or protoc is missing.
 */
export async function pythonPluginDir(
  options: { tree?: boolean; programs?: string[] } = {},
): Promise<string> {
  const python = await run(PYTHON, ["-c", "import grpc, google.protobuf"]);
  if (!python.ok) {
    throw new Error(
      `${PYTHON} cannot import grpc and protobuf (${python.output}); ` +
        `install the Debian packages: apt-get install ${PACKAGES}`,
    );
  }
  const root = await Deno.makeTempDir({ prefix: "qntx-python-" });
  try {
    const programs = options.programs ?? ["pyecho"];
    // Flat, the programs share one folder and one `protocol/`; in the tree, each has its own.
    for (const [i, name] of programs.entries()) {
      const dir = options.tree ? join(root, name) : root;
      if (options.tree) await Deno.mkdir(dir);
      const script = join(dir, `qntx-${name}-plugin`);
      await Deno.copyFile(join(SCRIPTS, `qntx-${name}-plugin`), script);
      await Deno.chmod(script, 0o755);
      if (options.tree || i === 0) await generate(dir);
    }
    return root;
  } catch (error) {
    await Deno.remove(root, { recursive: true });
    throw error;
  }
}

/** Runs a program to its end: whether it succeeded, and its stderr (or why it did not start). */
async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const result = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return { ok: result.success, output: new TextDecoder().decode(result.stderr).trim() };
  } catch (error) {
    return { ok: false, output: `${command}: ${(error as Error).message}` };
  }
}

/** `protocol/*_pb2.py` in `dir`, from protoc, as a regular package the programs import. */
async function generate(dir: string): Promise<void> {
  const protoc = await run(PROTOC, [
    "-I",
    `${REPO}proto`,
    "-I",
    "/usr/include",
    `--python_out=${dir}`,
    ...PROTOS,
  ]);
  if (!protoc.ok) {
    throw new Error(
      `protoc could not generate the plugin's Python classes (${protoc.output}); ` +
        `install the Debian packages: apt-get install ${PACKAGES}`,
    );
  }
  await Deno.writeTextFile(join(dir, "protocol", "__init__.py"), "");
}
