import { z } from "zod";
import { nameProblem } from "../registry/mod.ts";
import { encodeHex } from "./hex.ts";

/** The file that makes a folder a plugin. */
export const MANIFEST_FILE = "plugin.json";

const relativePath = z.string().min(1).refine(
  (path) => !path.startsWith("/") && !path.split("/").includes(".."),
  { message: "must be a path inside the plugin's folder (no leading / and no ..)" },
);

const hostName = z.string().regex(
  /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
  { message: "must be a host name or address, with an optional :port" },
);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "must be an environment variable name",
});

/**
 * What a plugin asks to be allowed. Its own folder (read) and its data folder (read and
 * write) are always granted; everything here is on top of that. `run`, `ffi`, `sys` and `all`
 * leave the sandbox and are refused unless the operator marks the plugin trusted.
 */
export const permissionsSchema = z.object({
  /** Extra files or folders inside the plugin's folder to write (rarely needed). */
  write: z.array(relativePath).default([]),
  /** Hosts it may connect to, such as `api.example.com:443`. */
  net: z.array(hostName).default([]),
  /** Environment variables it may read; the host passes exactly these through. */
  env: z.array(envName).default([]),
  run: z.array(z.string().min(1)).default([]),
  ffi: z.array(z.string().min(1)).default([]),
  sys: z.array(z.string().min(1)).default([]),
  all: z.boolean().default(false),
}).strict();

export type PermissionRequest = z.output<typeof permissionsSchema>;

export const manifestSchema = z.object({
  name: z.string().superRefine((name, ctx) => {
    const problem = nameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  version: z.string().min(1),
  description: z.string().default(""),
  /** The host versions it runs on, a semver range (QNTX's `qntx_version`); checked at install. */
  qntx_version: z.string().optional(),
  /** A TypeScript module run with `deno run` under the plugin's permissions. */
  entry: relativePath.optional(),
  /** A program built with the SDK (`deno compile`), run like a QNTX executable but on a socket. */
  executable: relativePath.optional(),
  permissions: permissionsSchema.prefault({}),
  /** V8 heap limit in MiB for `entry` plugins; above the default it needs the operator. */
  memory_mb: z.number().int().min(16).max(16384).optional(),
}).strict().superRefine((manifest, ctx) => {
  if ((manifest.entry === undefined) === (manifest.executable === undefined)) {
    ctx.addIssue({
      code: "custom",
      message: "give exactly one of entry or executable",
      path: ["entry"],
    });
  }
});

export type Manifest = z.output<typeof manifestSchema>;

/** Every problem of a manifest, each with the file and the key. */
export class ManifestError extends Error {
  override name = "ManifestError";
  constructor(readonly file: string, readonly problems: string[]) {
    super(`invalid plugin manifest ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Parses and validates a manifest's text; throws a {@link ManifestError} listing every problem. */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = manifestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new ManifestError(
    file,
    parsed.error.issues.map((issue) => {
      const key = issue.path.join(".");
      const message = issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
        : issue.message;
      return key === "" ? message : `${key}: ${message}`;
    }),
  );
}

/** A manifest as read from its file, with the SHA-256 an operator's approval names. */
export async function readManifest(file: string): Promise<{ manifest: Manifest; sha256: string }> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    // A manifest that is a link could name any file; its parse error would quote it.
    if (!(await Deno.lstat(file)).isFile) {
      throw new ManifestError(file, ["must be a regular file, not a link or a folder"]);
    }
    bytes = await Deno.readFile(file);
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  const manifest = parseManifest(new TextDecoder().decode(bytes), file);
  return { manifest, sha256: await sha256Hex(bytes) };
}

/** The SHA-256 of some bytes, as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return encodeHex(new Uint8Array(digest));
}
