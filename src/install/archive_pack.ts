import { Buffer } from "node:buffer";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import tarStream from "tar-stream";
import { ArchiveError } from "./archive.ts";

/** What is never packed: version control, and the host's own record of an installation. */
const LEFT_OUT = new Set([".git", ".installed.sha256"]);

/**
 * Packs a plugin folder into a `.tar.gz` whose paths are relative to the folder (sorted, owner
 * 0, a fixed time, modes 0644 or 0755), so the same folder always makes the same bytes and
 * therefore the same checksum. A link anywhere in the folder is refused: the installer would
 * refuse it too.
 */
export async function packArchive(dir: string): Promise<Uint8Array> {
  const files = await filesOf(dir);
  if (files.length === 0) throw new ArchiveError(`${dir} holds no files to pack`);
  const pack = tarStream.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const file of files) {
    const data = await Deno.readFile(join(dir, file.path));
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: file.path,
          size: data.byteLength,
          mode: file.executable ? 0o755 : 0o644,
          mtime: new Date(0),
          uid: 0,
          gid: 0,
        },
        Buffer.from(data),
        (error) => error ? reject(error) : resolve(),
      )
    );
  }
  pack.finalize();
  await collected;
  return new Uint8Array(gzipSync(Buffer.concat(chunks), { level: 9 }));
}

async function filesOf(root: string): Promise<{ path: string; executable: boolean }[]> {
  const found: { path: string; executable: boolean }[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for await (const entry of Deno.readDir(dir)) {
      if (LEFT_OUT.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isSymlink) {
        throw new ArchiveError(`${path} is a link; a plugin archive holds files and folders only`);
      }
      if (entry.isDirectory) pending.push(path);
      else if (entry.isFile) {
        const mode = (await Deno.stat(path)).mode ?? 0;
        found.push({ path: relative(root, path), executable: (mode & 0o111) !== 0 });
      }
    }
  }
  return found.sort((a, b) => a.path < b.path ? -1 : 1);
}
