import assert from "node:assert/strict";
import { parseGitLog } from "./git_log.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);

Deno.test("parseGitLog() reads commits with their files, merges without", () => {
  const text =
    `\x1e${A}\x1fAda Lovelace\x1fada@example.org\x1f1767603600\x1fStart the notebook\n\nREADME.md\n` +
    `\x1e${B}\x1fGrace Hopper\x1fgrace@example.org\x1f1767796200\x1fMerge branch 'x'\n`;
  assert.deepEqual(parseGitLog(text), [
    {
      hash: A,
      author: "Ada Lovelace",
      email: "ada@example.org",
      time: 1767603600000,
      subject: "Start the notebook",
      files: ["README.md"],
    },
    {
      hash: B,
      author: "Grace Hopper",
      email: "grace@example.org",
      time: 1767796200000,
      subject: "Merge branch 'x'",
      files: [],
    },
  ]);
  assert.deepEqual(parseGitLog(""), []);
});

Deno.test("parseGitLog() refuses output it does not understand", () => {
  assert.throws(() => parseGitLog("\x1enot a commit\n"), /does not read: "not a commit"/);
});
