// git runs outside Deno's sandbox, so before it touches a repository the plugin asks Deno
// whether its own grants cover that repository: a configuration must not widen what the
// operator granted with [plugin.grants.<name>] read.
import { join, resolve } from "node:path";

async function mayRead(path: string): Promise<boolean> {
  return (await Deno.permissions.query({ name: "read", path })).state === "granted";
}

function outside(plugin: string, subject: string, add: string): Error {
  return new Error(
    `${subject} outside what plugin "${plugin}" may read; add ${add} to read in ` +
      `[plugin.grants.${plugin}] of am.toml`,
  );
}

/**
 * The real path of `path` when the plugin may read both it and where its links lead; `label`
 * names it in errors. Deno's grants are lexical (a link inside a granted folder is granted
 * wherever it leads), hence the second question, about the resolved path.
 */
async function realReadable(path: string, plugin: string, label: string): Promise<string> {
  if (!await mayRead(path)) throw outside(plugin, `${label} is`, "it");
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`${label} does not exist`);
    throw error;
  }
  if (real !== path && !await mayRead(real)) {
    throw outside(plugin, `${label} leads to "${real}", which is`, `"${real}"`);
  }
  return real;
}

/**
 * Checks that plugin `plugin` may read `repository` (absolute, or relative to the working
 * folder) and returns its real path, to give git so that git reads what was checked; throws
 * an error naming the grant that would allow it otherwise. Followed: `..`, symbolic links,
 * and a `.git` file (a worktree's or a submodule's) that sends git to another folder.
 *
 * @example
 * ```ts ignore
 * const real = await readableRepository("/home/me/src/project", "code");
 * ```
 */
export async function readableRepository(repository: string, plugin: string): Promise<string> {
  const path = resolve(repository);
  const real = await realReadable(path, plugin, `repository "${path}"`);
  const dotGit = join(real, ".git");
  // None: a bare repository or a bundle file.
  if (!await Deno.lstat(dotGit).then(() => true, () => false)) return real;
  const target = await realReadable(dotGit, plugin, `"${dotGit}"`);
  if (!(await Deno.stat(target)).isFile) return real;
  const gitdir = /^gitdir: (.+)$/m.exec(await Deno.readTextFile(target))?.[1]?.trim();
  if (!gitdir) throw new Error(`"${dotGit}" is a file that names no git folder ("gitdir: …")`);
  const named = resolve(real, gitdir);
  await realReadable(named, plugin, `the git folder "${named}" named in "${dotGit}"`);
  return real;
}
