/** A plugin's live log: history then new lines, a level filter, follow or pause. */

import { el } from "./dom.js";
import { cleanups } from "./state.js";

/** The log of plugin `name` into `section`, read from `source` (the relay, for another host). */
export function logView(name, section, source = `/api/plugins/${encodeURIComponent(name)}/logs`) {
  const pre = el("pre", {
    class: "log",
    tabindex: "0",
    "aria-label": `Log of ${name}`,
    "aria-live": "off",
  });
  const level = el(
    "select",
    { id: "log-level" },
    ["all", "debug", "info", "warn", "error"].map((l) => el("option", { value: l }, l)),
  );
  let following = true;
  const held = [];
  const toggle = el("button", { type: "button", "aria-pressed": "true" }, "Pause");
  toggle.addEventListener("click", () => {
    following = !following;
    toggle.textContent = following ? "Pause" : "Follow";
    toggle.setAttribute("aria-pressed", String(following));
    if (following) held.splice(0).forEach(show);
  });
  const lines = [];
  const visible = (line) => level.value === "all" || line.level === level.value;
  const render = (line) => {
    const { message, details } = readable(line.text);
    return el(
      "div",
      { class: `line level-${line.level}`, "data-level": line.level },
      el("span", { class: "at" }, new Date(line.at).toLocaleTimeString()),
      el("span", { class: "lvl" }, line.level),
      el("span", { class: "msg" }, message),
      details ? el("span", { class: "details" }, details) : null,
    );
  };
  function show(line) {
    lines.push(line);
    if (lines.length > 2000) lines.shift();
    if (visible(line)) pre.append(render(line));
    while (pre.childElementCount > 2000) pre.firstElementChild.remove();
    pre.scrollTop = pre.scrollHeight;
  }
  level.addEventListener("change", () => pre.replaceChildren(...lines.filter(visible).map(render)));
  section.append(
    el("div", { class: "filters" }, el("label", { for: "log-level" }, "Level", level), toggle),
    pre,
  );
  const events = new EventSource(source);
  events.addEventListener("log", (event) => {
    const line = JSON.parse(event.data);
    if (following) show(line);
    else held.push(line);
  });
  cleanups.push(() => events.close());
}

/**
 * A JSON log line as its message and, below it, its other fields laid out (an error's stack
 * line by line); any other text as it is.
 */
function readable(text) {
  if (!text.startsWith("{")) return { message: text };
  try {
    const { msg, time: _time, level: _level, logger: _logger, ...rest } = JSON.parse(text);
    if (typeof msg !== "string") return { message: text };
    const { error, ...fields } = rest;
    const lines = Object.entries(fields).map(([key, value]) =>
      `${key}: ${typeof value === "string" ? value : JSON.stringify(value, null, 2)}`
    );
    if (error && typeof error === "object" && typeof error.stack === "string") {
      lines.push(error.stack);
    } else if (error !== undefined) lines.push(`error: ${JSON.stringify(error, null, 2)}`);
    return { message: msg, details: lines.join("\n") };
  } catch {
    return { message: text };
  }
}
