/** Plugin folders made for one test: a manifest that asks for something, and a tiny SDK plugin. */
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

/**
 * Writes `<root>/<name>/` with a `plugin.json` asking for `permissions` and a plugin whose
 * `GET /api/<name>/env` answers the value of `QNTX_TEST_X` it can read ("none" without it).
 * Returns the manifest's file.
 */
export async function pluginFolder(
  root: string,
  name: string,
  permissions: Record<string, unknown>,
): Promise<string> {
  const dir = join(root, name);
  await Deno.mkdir(dir, { recursive: true });
  const manifest = join(dir, "plugin.json");
  await Deno.writeTextFile(
    manifest,
    JSON.stringify({ name, version: "1.0.0", entry: "main.ts", permissions }),
  );
  await Deno.writeTextFile(
    join(dir, "main.ts"),
    `import { definePlugin, serve } from "${REPO}src/sdk/mod.ts";
await serve(definePlugin({
  metadata: { name: "${name}", version: "1.0.0", qntxVersion: "", description: "", author: "", license: "" },
  routes: [{ method: "GET", path: "/env", handler: () => new Response(Deno.env.get("QNTX_TEST_X") ?? "none") }],
}));
`,
  );
  return manifest;
}

/** The SHA-256 of a file's bytes, as lowercase hex: what an approval names. */
export async function sha256Of(file: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(file));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
