import { z } from "zod";
import type { UpgradeOutcome } from "../app.ts";
import { readBodyLimited } from "../body_limit.ts";
import { HttpError } from "../http_error.ts";
import { json, readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";

/** Where an archive comes from, and what vouches for it. */
export type InstallSource =
  & { sha256?: string; signature?: unknown }
  & ({ archive: Uint8Array } | { url: string });

/** What an install or a rollback did. */
export interface InstallOutcome {
  plugin: string;
  version: string;
  sha256: string;
  signedBy: string | null;
  /** The version folder now current, and the one kept for a rollback. */
  current: string;
  previous: string | null;
  /** `now` when the running plugin was switched to it, else `next start`. */
  applied: "now" | "next start";
  upgrade: UpgradeOutcome | null;
  state: string | null;
  /** What its manifest asks that is not granted; it fails to start until granted. */
  needsApproval: string | null;
}

/** What the install API needs from the host. */
export interface PluginInstalls {
  /** The largest archive an upload may carry. */
  maxBytes: number;
  install(source: InstallSource): Promise<InstallOutcome>;
  rollback(name: string): Promise<InstallOutcome>;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;
const ARCHIVE_TYPES = /^application\/(gzip|x-gzip|octet-stream)\s*(;|$)/i;

const fromUrl = z.object({
  url: z.string().min(1).max(4096),
  sha256: z.string().regex(SHA256, "must be 64 hex digits").optional(),
  signature: z.unknown().optional(),
}).strict();

/**
 * `POST /api/plugins/install`: an archive uploaded as the body (`application/gzip`, its
 * checksum in `?sha256=`, its signature file's JSON in a `QNTX-Signature` header), or named by
 * URL in a JSON body `{"url", "sha256", "signature"}`; `POST /api/plugins/<name>/rollback`.
 */
export function installRoutes(router: Router, installs: PluginInstalls): void {
  router.post("/api/plugins/install", async ({ request, url }) => {
    const type = request.headers.get("content-type") ?? "";
    if (ARCHIVE_TYPES.test(type)) {
      const sha256 = url.searchParams.get("sha256") ?? undefined;
      if (sha256 !== undefined && !SHA256.test(sha256)) {
        throw new HttpError(400, `sha256 must be 64 hex digits, got "${sha256.slice(0, 80)}"`);
      }
      const header = request.headers.get("qntx-signature");
      let signature: unknown;
      if (header !== null) {
        try {
          signature = JSON.parse(header);
        } catch {
          throw new HttpError(400, "the QNTX-Signature header is not the signature file's JSON");
        }
      }
      const archive = await readBodyLimited(request, installs.maxBytes, "the plugin installer");
      if (archive.byteLength === 0) throw new HttpError(400, "the body is empty; send the archive");
      return json(await installs.install({ archive, sha256, signature }));
    }
    if (!/^application\/json/i.test(type)) {
      throw new HttpError(
        415,
        "POST /api/plugins/install takes an archive (application/gzip) or " +
          '{"url", "sha256"} (application/json)' + (type ? `, not "${type}"` : ""),
      );
    }
    const parsed = fromUrl.safeParse(await readJsonObject(request, 64 * 1024));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, `${issue.path.join(".") || "body"}: ${issue.message}`);
    }
    const { url: address, sha256, signature } = parsed.data;
    if (sha256 === undefined && signature === undefined) {
      throw new HttpError(
        400,
        "an install from a URL needs the archive's sha256 or a signature: a URL alone does not " +
          "say what it will serve",
      );
    }
    return json(await installs.install({ url: address, sha256, signature }));
  });

  router.post("/api/plugins/:name/rollback", async ({ params }) => {
    return json(await installs.rollback(params.name!));
  });
}
