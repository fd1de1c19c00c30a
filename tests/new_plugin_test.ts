/**
 * A plugin author's first hour: `deno task new` makes a plugin that passes `deno task
 * check-plugin` (manifest, types, its own tests, the protocol) and runs under the host; a broken
 * edit fails the check at the step that broke.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

async function script(name: string, args: string[]) {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO}scripts/${name}`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: result.code, out: text.decode(result.stdout) + text.decode(result.stderr) };
}

Deno.test("deno task new makes a plugin that passes check-plugin and runs under the host", async () => {
  const root = await Deno.makeTempDir({ prefix: "qntx-new-" });
  try {
    const made = await script("new_plugin.ts", ["notes", "--dir", root]);
    assert.equal(made.code, 0, made.out);
    const dir = join(root, "notes");
    for (const file of ["plugin.json", "main.ts", "main_test.ts", "README.md"]) {
      assert.ok((await Deno.stat(join(dir, file))).isFile, file);
    }
    const again = await script("new_plugin.ts", ["notes", "--dir", root]);
    assert.deepEqual([again.code, /exists/.test(again.out)], [2, true]);
    const reserved = await script("new_plugin.ts", ["server", "--dir", root]);
    assert.match(reserved.out, /"server" cannot be a plugin's name/);

    const checked = await script("check_plugin.ts", [dir]);
    assert.equal(checked.code, 0, checked.out);
    for (const step of ["manifest", "types", "tests", "launch", "websocket", "shutdown"]) {
      assert.match(checked.out, new RegExp(`PASS  ${step}`), step);
    }
    assert.doesNotMatch(checked.out, /FAIL/);

    const test = await startTestHost(["notes"], "", [root]);
    try {
      const { registry, url } = test.host;
      await waitForState(registry, "notes", "running");
      const socket = new WebSocket(new URL("/notes-ws", url.href.replace("http", "ws")));
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = () => reject(new Error("the upgrade failed"));
      });
      const told = new Promise<string>((resolve) => socket.onmessage = (e) => resolve(e.data));
      const note = await fetch(new URL("/api/notes/notes", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "first" }),
      });
      assert.equal(note.status, 201, await note.clone().text());
      assert.deepEqual(JSON.parse(await told).note.attributes.text, "first");
      socket.close();
      await new Promise((resolve) => socket.onclose = resolve);
    } finally {
      await test.close();
    }

    // A type error: check-plugin fails at "types", naming the line.
    const main = join(dir, "main.ts");
    const source = await Deno.readTextFile(main);
    await Deno.writeTextFile(
      main,
      source.replace('getString("greeting", "hello")', "getString(42)"),
    );
    const broken = await script("check_plugin.ts", [dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.out, /FAIL {2}types .*TS2345/s);
    assert.match(broken.out, /main\.ts:\d+/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
