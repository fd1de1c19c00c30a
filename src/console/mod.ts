/**
 * The operator's web console: one page, a stylesheet and a few script modules, built into the
 * host (text imports, so `deno compile` carries them) and served with a strict content
 * security policy.
 * @module
 */
import { createHash } from "node:crypto";
import page from "./index.html" with { type: "text" };
import glyphFrame from "./glyph_frame.html" with { type: "text" };
import glyphFrameScript from "./glyph_frame.js" with { type: "text" };
import glyphs from "./glyph_view.js" with { type: "text" };
import loginPage from "./login.html" with { type: "text" };
import login from "./login.js" with { type: "text" };
import style from "./console.css" with { type: "text" };
import main from "./console.js" with { type: "text" };
import access from "./access_view.js" with { type: "text" };
import attestations from "./attestation_view.js" with { type: "text" };
import configForm from "./config_form.js" with { type: "text" };
import dom from "./dom.js" with { type: "text" };
import jobs from "./job_views.js" with { type: "text" };
import hosts from "./host_views.js" with { type: "text" };
import logs from "./log_view.js" with { type: "text" };
import manifest from "./manifest_view.js" with { type: "text" };
import plugins from "./plugin_views.js" with { type: "text" };
import state from "./state.js" with { type: "text" };

/** One file of the console: where it is served and what it is. */
export interface ConsoleAsset {
  path: string;
  type: string;
  body: string;
  /** Its content security policy, when not the console's. */
  policy?: string;
}

const SCRIPT = "text/javascript; charset=utf-8";

/** Only the host's own origin: no inline script or style, no framing, no other hosts. */
export const CONSOLE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " +
  "form-action 'self'";

const frameScriptHash = createHash("sha256").update(glyphFrameScript).digest("base64");

/**
 * The frame a plugin's glyph runs in: sandboxed (an opaque origin, so not the console's cookies
 * or API), its one script by hash, the glyph's module from a blob, inline styles, no fetch, XHR
 * or WebSocket (its own plugin's routes go through the console), framed by the console only.
 */
export const GLYPH_FRAME_POLICY = `sandbox allow-scripts; default-src 'none'; ` +
  `script-src 'sha256-${frameScriptHash}' blob:; style-src 'unsafe-inline'; ` +
  "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'self'";

export const CONSOLE_ASSETS: readonly ConsoleAsset[] = [
  { path: "/", type: "text/html; charset=utf-8", body: page },
  { path: "/console/login.html", type: "text/html; charset=utf-8", body: loginPage },
  { path: "/console/console.css", type: "text/css; charset=utf-8", body: style },
  {
    path: "/console/glyph_frame.html",
    type: "text/html; charset=utf-8",
    // A function, so no `$&` in the script is read as a pattern (the hash is of the text).
    body: glyphFrame.replace(
      "<!--SCRIPT-->",
      () => `<script type="module">${glyphFrameScript}</script>`,
    ),
    policy: GLYPH_FRAME_POLICY,
  },
  ...Object.entries({
    "console.js": main,
    "access_view.js": access,
    "attestation_view.js": attestations,
    "config_form.js": configForm,
    "dom.js": dom,
    "glyph_view.js": glyphs,
    "login.js": login,
    "host_views.js": hosts,
    "job_views.js": jobs,
    "log_view.js": logs,
    "manifest_view.js": manifest,
    "plugin_views.js": plugins,
    "state.js": state,
  }).map(([file, body]) => ({ path: `/console/${file}`, type: SCRIPT, body })),
];
