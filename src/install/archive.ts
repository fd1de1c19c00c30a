import { Buffer } from "node:buffer";
import tarStream from "tar-stream";

/** A plugin archive refused, with what was wrong in it. */
export class ArchiveError extends Error {
  override name = "ArchiveError";
}

/** One regular file of an archive: its path inside the plugin's folder, bytes, executable bit. */
export interface ArchiveFile {
  path: string;
  data: Uint8Array;
  executable: boolean;
}

/** How much an archive may hold; checked before (and while) it is unpacked. */
export interface ArchiveLimits {
  /** The compressed archive. */
  maxArchiveBytes: number;
  /** Every file's bytes together, once unpacked. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 256 << 20,
  maxUnpackedBytes: 1024 << 20,
  maxEntries: 20_000,
};

const MAX_PATH = 1024;

/**
 * Reads a `.tar.gz` plugin archive into its files, refusing (never repairing) anything that
 * could write outside the plugin's folder or be more than files and folders: absolute paths,
 * `..`, links of either kind, devices and FIFOs, names that repeat, and sizes beyond `limits`.
 * One top folder holding everything (`hello/plugin.json`, as `tar czf` of a folder makes) is
 * taken off; the paths are then relative to the plugin's folder.
 */
export async function readArchive(
  archive: Uint8Array,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<ArchiveFile[]> {
  if (archive.byteLength > limits.maxArchiveBytes) {
    throw new ArchiveError(
      `the archive is ${archive.byteLength} bytes, over the limit of ${limits.maxArchiveBytes}`,
    );
  }
  const files: ArchiveFile[] = [];
  const paths = new PathSet();
  let total = 0;
  let entries = 0;
  const extract = tarStream.extract();
  let failed = false;
  const reading = (async () => {
    for await (const entry of extract) {
      const { header } = entry;
      if (++entries > limits.maxEntries) {
        throw new ArchiveError(`the archive has more than ${limits.maxEntries} entries`);
      }
      const path = entryPath(header.name);
      if (header.type === "directory") {
        paths.addFolder(path, header.name);
        entry.resume();
        continue;
      }
      if (header.type !== "file" && header.type !== "contiguous-file") {
        const target = header.linkname ? ` -> ${header.linkname}` : "";
        throw new ArchiveError(
          `entry "${header.name}"${target} is a ${header.type}; only files and folders may be ` +
            "in a plugin archive (a link could lead out of the plugin's folder)",
        );
      }
      paths.addFile(path, header.name);
      total += header.size ?? 0;
      if (total > limits.maxUnpackedBytes) {
        throw new ArchiveError(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      }
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      files.push({
        path,
        data: new Uint8Array(Buffer.concat(chunks)),
        executable: ((header.mode ?? 0) & 0o111) !== 0,
      });
    }
  })().catch((error) => {
    failed = true;
    throw error;
  });
  try {
    await Promise.all([inflate(archive, limits, extract, () => failed), reading]);
  } catch (error) {
    extract.destroy();
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`the archive is not a valid tar file: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new ArchiveError("the archive holds no files");
  return withoutTopFolder(files);
}

/**
 * Inflates the archive into the tar reader chunk by chunk (the event loop goes on between
 * chunks), stopping past the unpacked limit: a small archive that unpacks to gigabytes stops
 * there.
 */
async function inflate(
  archive: Uint8Array,
  limits: ArchiveLimits,
  extract: ReturnType<typeof tarStream.extract>,
  failed: () => boolean,
): Promise<void> {
  const bound = limits.maxUnpackedBytes + (8 << 20);
  let inflated = 0;
  try {
    const stream = new Blob([archive as Uint8Array<ArrayBuffer>]).stream()
      .pipeThrough(new DecompressionStream("gzip"));
    for await (const chunk of stream) {
      if (failed()) return;
      inflated += chunk.byteLength;
      if (inflated > bound) {
        throw new ArchiveError(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      }
      extract.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`the archive is not gzip-compressed: ${(error as Error).message}`);
  }
  extract.end(Buffer.alloc(0));
}

/**
 * The paths seen so far, compared as a case-insensitive file system would (NFC, lower case):
 * a name twice, or a file where a folder is (`a` and `a/b`), is refused.
 */
class PathSet {
  readonly #files = new Set<string>();
  readonly #folders = new Set<string>();

  addFile(path: string, shown: string): void {
    const key = fold(path);
    if (this.#files.has(key) || this.#folders.has(key)) {
      throw new ArchiveError(`entry "${shown}" appears twice (or as a file and a folder)`);
    }
    this.#files.add(key);
    const parts = key.split("/");
    for (let i = 1; i < parts.length; i++) this.addFolder(parts.slice(0, i).join("/"), shown);
  }

  addFolder(path: string, shown: string): void {
    const key = fold(path);
    if (this.#files.has(key)) {
      throw new ArchiveError(`entry "${shown}" makes a folder where a file of that name is`);
    }
    this.#folders.add(key);
  }
}

function fold(path: string): string {
  return path.normalize("NFC").toLowerCase();
}

/** An entry's path, checked: relative, no `..`, no empty or odd parts. */
function entryPath(name: string): string {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.length === 0 || name.length > MAX_PATH) {
    throw new ArchiveError(`entry ${shown} has an empty or too long name`);
  }
  if (name.startsWith("/")) {
    throw new ArchiveError(`entry ${shown} has an absolute path; archives may not write there`);
  }
  if (/[\0\\]/.test(name)) throw new ArchiveError(`entry ${shown} has a NUL or a backslash`);
  const parts = name.split("/").filter((part, i, all) =>
    part !== "." && !(part === "" && i === all.length - 1)
  );
  if (parts.includes("..")) {
    throw new ArchiveError(`entry ${shown} climbs out with ".."; archives may not write there`);
  }
  if (parts.length === 0 || parts.includes("")) {
    throw new ArchiveError(`entry ${shown} has an empty path segment`);
  }
  if (parts.some((part) => new TextEncoder().encode(part).byteLength > 255)) {
    throw new ArchiveError(`entry ${shown} has a name over 255 bytes`);
  }
  return parts.join("/");
}

/** Takes off one top folder that holds every file, unless the manifest is already on top. */
function withoutTopFolder(files: ArchiveFile[]): ArchiveFile[] {
  const tops = new Set(files.map((file) => file.path.split("/")[0]));
  const [top] = tops;
  if (tops.size !== 1 || files.some((file) => file.path === top)) return files;
  return files.map((file) => ({ ...file, path: file.path.slice(top!.length + 1) }));
}
