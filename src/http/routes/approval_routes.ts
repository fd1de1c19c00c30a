import { z } from "zod";
import { HttpError } from "../http_error.ts";
import { json, readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";

/** One thing a manifest asks, and the grant by name that allows it, if any. */
export interface ManifestAsk {
  what: string;
  grant?: string;
}

/** A plugin's manifest on disk now, set against the operator's grants. */
export interface ManifestApprovalView {
  /** What an approval names: the SHA-256 of the manifest file's bytes. */
  sha256: string;
  /** Everything it asks beyond the defaults, granted or not. */
  requested: string[];
  /** Not granted yet; approving this manifest grants all of it. */
  asks: ManifestAsk[];
  /** Granted only by name, never by an approval. */
  byNameOnly: ManifestAsk[];
  /** Whether `approved_manifest` names this manifest. */
  approved: boolean;
}

/** The manifest as the API shows it: its view, or why it cannot be read. */
export type ManifestState = ManifestApprovalView | { problem: string };

/** What an approval did. */
export interface ApprovalOutcome {
  plugin: string;
  /** The manifest after the approval. */
  manifest: ManifestState;
  /** Whether `approved_manifest` was written (false when it already named this manifest). */
  written: boolean;
  /** Whether the plugin was restarted to start with its grants. */
  restarted: boolean;
  /** The plugin's state after the approval (and the restart), and why when it is failed. */
  state: string;
  lastError: string | null;
  /** What the approval did not grant, and what would; absent when nothing remains. */
  remaining?: string;
}

/** What the approval API needs from the host. */
export interface PluginApprovals {
  /** Plugin `name`'s manifest now; undefined for a plugin without one. */
  view(name: string): Promise<ManifestState | undefined>;
  /**
   * Approves the manifest whose SHA-256 is `sha256`, which must be the one on disk now, then
   * restarts the plugin. Throws an `HttpError` (404, 409) naming what was refused.
   */
  approve(name: string, sha256: string): Promise<ApprovalOutcome>;
}

const approvalBody = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, {
    message: "must be the manifest's SHA-256 as GET /api/plugins/<name> shows it " +
      "(64 lowercase hex digits)",
  }),
}).strict();

/**
 * `POST /api/plugins/<name>/approve` with `{"sha256": "<hex>"}`: the operator approves exactly
 * the manifest they read (`GET /api/plugins/<name>` shows it); a manifest changed since is 409.
 * Cross-site requests were refused before (browser_guard.ts); this one needs a JSON body too.
 */
export function approvalRoutes(router: Router, approvals: PluginApprovals): void {
  router.post("/api/plugins/:name/approve", async ({ params, request }) => {
    const name = params.name!;
    const action = `approving the manifest of plugin "${name}"`;
    const parsed = approvalBody.safeParse(await readJsonObject(request, 4096));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`
          : `${issue.path.join(".") || "body"}: ${issue.message}`
      );
      throw new HttpError(
        400,
        `${action} needs {"sha256": "<hex>"}: ${problems.join("; ")}; nothing was approved`,
      );
    }
    return json(await approvals.approve(name, parsed.data.sha256));
  });
}
