import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import { ArchiveError, readArchive } from "./archive.ts";
import { packArchive } from "./archive_pack.ts";
import { pluginEntries, tarGz } from "./_archives.ts";

Deno.test("readArchive() takes files and folders, and takes off one top folder", async () => {
  const files = await readArchive(
    await tarGz([
      { name: "hello/", type: "directory" },
      ...pluginEntries("hello", "1.0.0"),
      { name: "hello/bin/run", body: "#!/bin/sh", mode: 0o755 },
    ]),
  );
  assert.deepEqual(files.map((file) => [file.path, file.executable]), [
    ["plugin.json", false],
    ["main.ts", false],
    ["bin/run", true],
  ]);
  assert.equal(new TextDecoder().decode(files[1]!.data), 'console.log("hello 1.0.0");\n');
});

Deno.test("readArchive() refuses every way out of the plugin's folder, naming the entry", async () => {
  const cases: [string, Parameters<typeof tarGz>[0], RegExp][] = [
    ["..", [{ name: "hello/../../evil.ts", body: "x" }], /"hello\/..\/..\/evil.ts" climbs out/],
    ["absolute", [{ name: "/etc/cron.d/evil", body: "x" }], /absolute path/],
    [
      "a symlink",
      [{ name: "hello/data", type: "symlink", linkname: "/etc" }],
      /-> \/etc is a symlink/,
    ],
    ["a hard link", [{ name: "hello/p", type: "link", linkname: "/etc/passwd" }], /is a link/],
    ["a fifo", [{ name: "hello/pipe", type: "fifo" }], /is a fifo/],
    ["twice", [{ name: "a", body: "1" }, { name: "a", body: "2" }], /appears twice/],
    ["a backslash", [{ name: "..\\evil", body: "x" }], /backslash/],
    [
      "a file and a folder",
      [{ name: "a", body: "1" }, { name: "a/b", body: "2" }],
      /a\/b" makes a folder where a file/,
    ],
    [
      "a folder and a file",
      [{ name: "a/b", body: "1" }, { name: "a", body: "2" }],
      /"a" appears twice \(or as a file and a folder\)/,
    ],
    [
      "twice, by case",
      [{ name: "plugin.json", body: "1" }, { name: "PLUGIN.JSON", body: "2" }],
      /appears twice/,
    ],
    ["twice, by ./", [{ name: "p/a", body: "1" }, { name: "p/./a", body: "2" }], /appears twice/],
    ["a long name", [{ name: "x".repeat(256), body: "1" }], /over 255 bytes/],
    ["nothing", [{ name: "hello/", type: "directory" }], /holds no files/],
  ];
  for (const [what, entries, message] of cases) {
    await assert.rejects(readArchive(await tarGz(entries)), (error: Error) => {
      assert.ok(error instanceof ArchiveError, what);
      assert.match(error.message, message, what);
      return true;
    });
  }
});

Deno.test("readArchive() bounds the archive, what it unpacks to, and its entries", async () => {
  const limits = { maxArchiveBytes: 1 << 20, maxUnpackedBytes: 4096, maxEntries: 3 };
  // A gzip bomb: tiny compressed, far over the cap unpacked.
  const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 << 20)));
  await assert.rejects(readArchive(bomb, limits), /unpacks to more than 4096 bytes/);
  await assert.rejects(
    readArchive(await tarGz([{ name: "big", body: "x".repeat(5000) }]), limits),
    /unpacks to more than 4096 bytes/,
  );
  await assert.rejects(
    readArchive(await tarGz([1, 2, 3, 4].map((i) => ({ name: `f${i}`, body: "x" }))), limits),
    /more than 3 entries/,
  );
  await assert.rejects(readArchive(new Uint8Array(2 << 20), limits), /over the limit/);
  await assert.rejects(readArchive(new TextEncoder().encode("plain text")), /not gzip/);
  await assert.rejects(
    readArchive(new Uint8Array(gzipSync(Buffer.from("not a tar at all, just text")))),
    ArchiveError,
  );
});

Deno.test("packArchive() makes the same bytes from the same folder, and refuses links", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-pack-" });
  try {
    await Deno.writeTextFile(`${dir}/plugin.json`, '{"name":"p"}');
    await Deno.mkdir(`${dir}/lib`);
    await Deno.writeTextFile(`${dir}/lib/run`, "#!/bin/sh\n");
    await Deno.chmod(`${dir}/lib/run`, 0o755);
    await Deno.writeTextFile(`${dir}/.installed.sha256`, "left out\n");
    const first = await packArchive(dir);
    await Deno.utime(`${dir}/plugin.json`, 1, 1);
    assert.deepEqual(await packArchive(dir), first);
    const files = await readArchive(first);
    assert.deepEqual(files.map((file) => [file.path, file.executable]), [
      ["lib/run", true],
      ["plugin.json", false],
    ]);
    await Deno.symlink("/etc/passwd", `${dir}/lib/passwd`);
    await assert.rejects(packArchive(dir), /lib\/passwd is a link/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
