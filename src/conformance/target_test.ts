import assert from "node:assert/strict";
import { join } from "node:path";
import { findTarget } from "./target.ts";

const runtime = { execPath: "/usr/bin/deno", denoConfig: "/repo/deno.json" };

async function inTemp(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function program(path: string): Promise<void> {
  await Deno.writeTextFile(path, "#!/bin/sh\n");
  await Deno.chmod(path, 0o755);
}

Deno.test("a program is named after its file and started as QNTX's host starts it", () =>
  inTemp(async (dir) => {
    await program(join(dir, "qntx-notes-plugin"));
    const target = await findTarget(join(dir, "qntx-notes-plugin"), runtime);
    assert.equal(target.name, "notes");
    assert.deepEqual(target.command(4100, ["--watch-stdin"]), {
      command: join(dir, "qntx-notes-plugin"),
      args: ["--port", "4100", "--watch-stdin"],
    });
  }));

Deno.test("a folder in QNTX's tree layout is found as the host finds it", () =>
  inTemp(async (dir) => {
    await Deno.mkdir(join(dir, "notes"));
    await program(join(dir, "notes", "qntx-notes-plugin"));
    const target = await findTarget(join(dir, "notes"), runtime);
    assert.equal(target.found.kind, "qntx-executable");
    assert.match(target.describe, /tree layout/);
  }));

Deno.test("a TypeScript plugin folder runs under deno with the project's configuration", () =>
  inTemp(async (dir) => {
    await Deno.mkdir(join(dir, "notes"));
    await Deno.writeTextFile(
      join(dir, "notes", "plugin.json"),
      JSON.stringify({ name: "notes", version: "1.0.0", entry: "main.ts" }),
    );
    await Deno.writeTextFile(join(dir, "notes", "main.ts"), "");
    const target = await findTarget(join(dir, "notes"), runtime);
    const { command, args } = target.command(4100, []);
    assert.equal(command, "/usr/bin/deno");
    assert.deepEqual(args.slice(-3), [join(dir, "notes", "main.ts"), "--port", "4100"]);
    assert.ok(args.includes("/repo/deno.json"));
  }));

Deno.test("what is not a plugin is refused, naming what was looked for", () =>
  inTemp(async (dir) => {
    await Deno.mkdir(join(dir, "empty"));
    await assert.rejects(
      findTarget(join(dir, "empty"), runtime),
      /plugin "empty" was not found; looked for/,
    );
    await assert.rejects(findTarget(join(dir, "missing"), runtime), /missing does not exist/);
    await Deno.mkdir(join(dir, "server"));
    await assert.rejects(
      findTarget(join(dir, "server"), runtime),
      /plugin "server" cannot be loaded/,
    );
  }));
