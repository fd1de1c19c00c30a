/** Archives made by hand for tests: any entry, hostile ones included. */
import { Buffer } from "node:buffer";
import { gzipSync } from "node:zlib";
import tarStream from "tar-stream";

export interface RawEntry {
  name: string;
  body?: string;
  type?: "file" | "directory" | "symlink" | "link" | "fifo";
  linkname?: string;
  mode?: number;
}

/** A `.tar.gz` of exactly these entries, in order, nothing checked. */
export async function tarGz(entries: RawEntry[]): Promise<Uint8Array> {
  const pack = tarStream.pack();
  const chunks: Uint8Array[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Uint8Array);
  })();
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const header = {
      name: entry.name,
      type: entry.type ?? "file",
      linkname: entry.linkname,
      mode: entry.mode ?? 0o644,
      size: body.byteLength,
    };
    if (header.type === "file") pack.entry(header, body);
    else pack.entry({ ...header, size: 0 });
  }
  pack.finalize();
  await collected;
  return new Uint8Array(gzipSync(Buffer.concat(chunks)));
}

/** A plugin folder's files: a manifest and an entry module. */
export function pluginEntries(name: string, version: string, extra: object = {}): RawEntry[] {
  return [
    {
      name: `${name}/plugin.json`,
      body: JSON.stringify({ name, version, entry: "main.ts", ...extra }),
    },
    { name: `${name}/main.ts`, body: `console.log("${name} ${version}");\n` },
  ];
}
