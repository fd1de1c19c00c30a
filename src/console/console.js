// The operator's console: plain modules, no framework, no network beyond the host's own API.
// Every value from the API goes in as text (never as HTML), so a plugin cannot inject markup.
import { viewAccess } from "./access_view.js";
import { viewAttestations } from "./attestation_view.js";
import { viewGlyphs } from "./glyph_view.js";
import { viewHostPlugin, viewHosts } from "./host_views.js";
import { viewJob, viewJobs } from "./job_views.js";
import { viewPlugin, viewPlugins } from "./plugin_views.js";
import { cleanups, plugins } from "./state.js";

let renderCurrent = () => {};

function route() {
  for (const cleanup of cleanups.splice(0)) cleanup();
  const [, view = "plugins", id, part] = location.hash.replace(/^#/, "").split("/").map(
    decodeURIComponent,
  );
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (view === "attestations") renderCurrent = viewAttestations();
  else if (view === "access") renderCurrent = viewAccess();
  else if (view === "glyphs") renderCurrent = viewGlyphs(id);
  else if (view === "hosts" && id && part) renderCurrent = viewHostPlugin(id, part);
  else if (view === "hosts") renderCurrent = viewHosts();
  else if (view === "jobs" && id) renderCurrent = viewJob(id);
  else if (view === "jobs") renderCurrent = viewJobs();
  else if (view === "plugins" && id) renderCurrent = viewPlugin(id);
  else renderCurrent = viewPlugins();
  document.body.dataset.view = id ? `${view}/${id}` : view;
}

function connect() {
  const status = document.getElementById("connection");
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => (status.textContent = "live"));
  events.addEventListener("error", () => (status.textContent = "reconnecting…"));
  events.addEventListener("plugins", (event) => {
    const list = JSON.parse(event.data);
    plugins.clear();
    for (const plugin of list) plugins.set(plugin.name, plugin);
    renderCurrent();
  });
  events.addEventListener("state", (event) => {
    const { plugin } = JSON.parse(event.data);
    if (plugin) plugins.set(plugin.name, plugin);
    renderCurrent();
  });
}

/** Signed in? Else to the sign-in page (the console's own code is public, its data is not). */
async function signedIn() {
  const response = await fetch("/api/auth/whoami");
  if (response.status === 401) {
    location.assign("/login");
    return undefined;
  }
  return (await response.json()).auth;
}

function signOutButton() {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Sign out";
  button.className = "sign-out";
  button.addEventListener("click", async () => {
    await fetch("/api/auth/signout", { method: "POST" });
    location.assign("/login");
  });
  document.querySelector("header").append(button);
}

const auth = await signedIn();
if (auth !== undefined) {
  // "off": the host runs without credentials (on loopback, by the operator's choice).
  if (auth === "on") signOutButton();
  globalThis.addEventListener("hashchange", route);
  connect();
  route();
}
