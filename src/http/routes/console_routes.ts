import { CONSOLE_ASSETS, CONSOLE_POLICY } from "../../console/mod.ts";
import type { Router } from "../router.ts";

/** Serves the web console at `/` (its assets under `/console/`). */
export function consoleRoutes(router: Router): void {
  for (const asset of CONSOLE_ASSETS) {
    const body = new TextEncoder().encode(asset.body);
    const etag = `"${asset.body.length.toString(36)}-${hash(asset.body)}"`;
    router.get(asset.path, ({ request }) => {
      const headers = {
        "content-type": asset.type,
        "cache-control": "no-cache",
        etag,
        "content-security-policy": asset.policy ?? CONSOLE_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      };
      if (request.headers.get("if-none-match") === etag) {
        return new Response(null, { status: 304, headers });
      }
      return new Response(body, { headers });
    });
  }
}

/** A short fingerprint of a text (FNV-1a), for the ETag. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
