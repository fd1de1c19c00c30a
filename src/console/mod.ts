/**
 * The operator's web console: one page, a stylesheet and a few script modules, built into the
 * host (text imports, so `deno compile` carries them) and served with a strict content
 * security policy.
 * @module
 */
import page from "./index.html" with { type: "text" };
import loginPage from "./login.html" with { type: "text" };
import login from "./login.js" with { type: "text" };
import style from "./console.css" with { type: "text" };
import main from "./console.js" with { type: "text" };
import access from "./access_view.js" with { type: "text" };
import attestations from "./attestation_view.js" with { type: "text" };
import configForm from "./config_form.js" with { type: "text" };
import dom from "./dom.js" with { type: "text" };
import jobs from "./job_views.js" with { type: "text" };
import logs from "./log_view.js" with { type: "text" };
import manifest from "./manifest_view.js" with { type: "text" };
import plugins from "./plugin_views.js" with { type: "text" };
import state from "./state.js" with { type: "text" };

/** One file of the console: where it is served and what it is. */
export interface ConsoleAsset {
  path: string;
  type: string;
  body: string;
}

const SCRIPT = "text/javascript; charset=utf-8";

export const CONSOLE_ASSETS: readonly ConsoleAsset[] = [
  { path: "/", type: "text/html; charset=utf-8", body: page },
  { path: "/console/login.html", type: "text/html; charset=utf-8", body: loginPage },
  { path: "/console/console.css", type: "text/css; charset=utf-8", body: style },
  ...Object.entries({
    "console.js": main,
    "access_view.js": access,
    "attestation_view.js": attestations,
    "config_form.js": configForm,
    "dom.js": dom,
    "login.js": login,
    "job_views.js": jobs,
    "log_view.js": logs,
    "manifest_view.js": manifest,
    "plugin_views.js": plugins,
    "state.js": state,
  }).map(([file, body]) => ({ path: `/console/${file}`, type: SCRIPT, body })),
];

/** Only the host's own origin: no inline script or style, no framing, no other hosts. */
export const CONSOLE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " +
  "form-action 'self'";
