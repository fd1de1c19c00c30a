/**
 * A throwaway PostgreSQL cluster for one test: Debian's `postgresql` binaries, `initdb
 * --no-sync` into a temporary folder, served on a Unix socket in that folder only (no TCP), run
 * as the `postgres` user when the tests run as root (initdb refuses root). `.ci/run` installs
 * the package; where it is missing, `startCluster` says so and the caller skips, naming why.
 */
import { join } from "node:path";

const BIN_DIRS = [
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

export interface Cluster {
  /** A connection URL for the `postgres` npm driver: the cluster's socket folder as `host`. */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Where Debian's PostgreSQL binaries are, or why there are none. */
export async function postgresBin(): Promise<{ bin: string } | { missing: string }> {
  for (const dir of BIN_DIRS) {
    if (await Deno.stat(join(dir, "initdb")).then(() => true, () => false)) return { bin: dir };
  }
  return {
    missing: `no PostgreSQL binaries in ${BIN_DIRS.join(", ")}: apt-get install postgresql`,
  };
}

async function run(command: string, args: string[], asPostgres: boolean): Promise<string> {
  const [program, ...rest] = asPostgres
    ? ["runuser", "-u", "postgres", "--", command, ...args]
    : [command, ...args];
  const result = await new Deno.Command(program!, {
    args: rest,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { LC_ALL: "C.UTF-8", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  }).output();
  const text = new TextDecoder();
  const output = text.decode(result.stdout) + text.decode(result.stderr);
  if (!result.success) throw new Error(`${command} ${args.join(" ")} failed: ${output}`);
  return output;
}

/** Starts a fresh cluster with a database `qntx`; `stop` ends it and removes its folder. */
export async function startCluster(): Promise<Cluster> {
  const found = await postgresBin();
  if ("missing" in found) throw new Error(found.missing);
  const asPostgres = Deno.uid() === 0;
  const dir = await Deno.makeTempDir({ prefix: "qntx-pg-" });
  if (asPostgres) await run("chown", ["postgres", dir], false);
  const data = join(dir, "data");
  const bin = (name: string) => join(found.bin, name);
  try {
    await run(bin("initdb"), ["--no-sync", "-A", "trust", "-U", "qntx", "-D", data], asPostgres);
    await run(bin("pg_ctl"), [
      "-D",
      data,
      "-w",
      "-l",
      join(dir, "server.log"),
      "-o",
      `-k ${dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      "start",
    ], asPostgres);
    await run(bin("createdb"), ["-h", dir, "-U", "qntx", "qntx"], asPostgres);
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return {
    url: `postgres://qntx@localhost/qntx?host=${encodeURIComponent(dir)}`,
    dir,
    async stop() {
      await run(bin("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asPostgres)
        .catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const found = await postgresBin();
/** Whether the PostgreSQL tests skip here: no binaries, and not CI (which requires them). */
export const skipPostgres = "missing" in found && !Deno.env.get("CI");
if ("missing" in found && skipPostgres) console.warn(`PostgreSQL tests skipped: ${found.missing}`);
