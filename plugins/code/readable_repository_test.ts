import assert from "node:assert/strict";
import { join } from "node:path";
import { readableRepository } from "./readable_repository.ts";

// A granted folder and one beside it, with every way out of the first that git would follow.
// The test that asks runs with read permission for the granted folder only, as the plugin does.
const ROOT = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "code-readable-" }));
const GRANTED = join(ROOT, "granted");
const OUTSIDE = join(ROOT, "outside");
for (const folder of ["granted/repo/.git", "granted/bare.git", "outside/repo/.git"]) {
  Deno.mkdirSync(join(ROOT, folder), { recursive: true });
}
Deno.writeTextFileSync(join(GRANTED, "notebook.bundle"), "# v2 git bundle\n");
Deno.symlinkSync(join(OUTSIDE, "repo"), join(GRANTED, "link"));
Deno.symlinkSync("repo", join(GRANTED, "inner-link"));
Deno.mkdirSync(join(GRANTED, "worktree"));
Deno.writeTextFileSync(join(GRANTED, "worktree/.git"), "gitdir: ../../outside/repo/.git\n");
Deno.mkdirSync(join(GRANTED, "submodule"));
Deno.writeTextFileSync(join(GRANTED, "submodule/.git"), "gitdir: ../repo/.git\n");
Deno.mkdirSync(join(GRANTED, "linked-git"));
Deno.symlinkSync(join(OUTSIDE, "repo/.git"), join(GRANTED, "linked-git/.git"));
Deno.mkdirSync(join(GRANTED, "broken"));
Deno.writeTextFileSync(join(GRANTED, "broken/.git"), "not a gitfile\n");

const GRANT = "to read in \\[plugin\\.grants\\.code\\] of am\\.toml$";

const CASES: { name: string; path: string; real?: string; refused?: RegExp }[] = [
  { name: "a repository in the granted folder", path: "granted/repo", real: "granted/repo" },
  { name: "a bare repository", path: "granted/bare.git", real: "granted/bare.git" },
  { name: "a bundle file", path: "granted/notebook.bundle", real: "granted/notebook.bundle" },
  { name: "a link that stays inside", path: "granted/inner-link", real: "granted/repo" },
  { name: "a .git file that stays inside", path: "granted/submodule", real: "granted/submodule" },
  {
    name: "a repository outside",
    path: "outside/repo",
    refused: new RegExp(
      `repository "${ROOT}/outside/repo" is outside what plugin "code" may read; add it ${GRANT}`,
    ),
  },
  {
    name: "a way out with ..",
    path: "granted/../outside/repo",
    refused: new RegExp(`repository "${ROOT}/outside/repo" is outside .*; add it ${GRANT}`),
  },
  {
    name: "a link leading out",
    path: "granted/link",
    refused: new RegExp(
      `repository "${ROOT}/granted/link" leads to "${ROOT}/outside/repo", which is outside ` +
        `what plugin "code" may read; add "${ROOT}/outside/repo" ${GRANT}`,
    ),
  },
  {
    name: "a .. after a link is taken by name, and git gets the path checked",
    path: "granted/link/../repo",
    real: "granted/repo",
  },
  {
    name: "a .git file naming a folder outside",
    path: "granted/worktree",
    refused: new RegExp(
      `the git folder "${ROOT}/outside/repo/.git" named in "${ROOT}/granted/worktree/.git" is ` +
        `outside what plugin "code" may read; add it ${GRANT}`,
    ),
  },
  {
    name: "a .git link leading out",
    path: "granted/linked-git",
    refused: new RegExp(`"${ROOT}/granted/linked-git/.git" leads to "${ROOT}/outside/repo/.git"`),
  },
  {
    name: "a .git file naming nothing",
    path: "granted/broken",
    refused: /"[^"]+\/granted\/broken\/.git" is a file that names no git folder/,
  },
  {
    name: "a missing repository",
    path: "granted/missing",
    refused: new RegExp(`repository "${ROOT}/granted/missing" does not exist$`),
  },
];

Deno.test({
  name: "readableRepository() returns the real path of what the grants cover, refuses the rest",
  permissions: { read: [GRANTED] },
  async fn(t) {
    for (const { name, path, real, refused } of CASES) {
      await t.step(name, async () => {
        const asked = readableRepository(join(ROOT, path), "code");
        if (real) assert.equal(await asked, join(ROOT, real));
        else await assert.rejects(asked, refused!);
      });
    }
  },
});

Deno.test("readableRepository() tests leave no folder behind", () => {
  Deno.removeSync(ROOT, { recursive: true });
});
