/** A plugin's configuration form, generated from its schema; checked here and by the server. */

import { api, el, notify } from "./dom.js";

/** The configuration form, generated from the plugin's schema; checked here and by the server. */
export async function configForm(name, section) {
  const { ok, body } = await api("GET", `/api/plugins/${encodeURIComponent(name)}/config`);
  if (!ok) {
    section.append(el("p", { class: "muted" }, body.detail ?? "No configuration."));
    return;
  }
  // In the order the plugin declares them: the author's order reads best.
  const keys = Object.keys(body.schema);
  if (keys.length === 0) {
    section.append(el("p", { class: "muted" }, "This plugin declares no settings."));
    return;
  }
  const inputs = new Map();
  const problems = new Map();
  const form = el("form", {
    class: "config",
    novalidate: true,
    "aria-label": `Configuration of ${name}`,
  });
  for (const key of keys) {
    const field = body.schema[key];
    const id = `field-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    // What the plugin runs with: the value set in am.toml, else the schema's default.
    const set = Object.hasOwn(body.values, key);
    const value = set ? body.values[key] : field.defaultValue;
    let input;
    if (field.type === "boolean") {
      input = el("input", { id, type: "checkbox", ".checked": value === true || value === "true" });
    } else {
      const text = Array.isArray(value) ? value.join(", ") : value ?? "";
      input = el("input", {
        id,
        type: field.secret ? "password" : field.type === "number" ? "number" : "text",
        step: field.type === "number" ? "any" : undefined,
        min: field.type === "number" ? field.minValue : undefined,
        max: field.type === "number" ? field.maxValue : undefined,
        ".value": String(text),
        autocomplete: "off",
        "aria-describedby": `${id}-help ${id}-problem`,
      });
    }
    const problem = el("span", { id: `${id}-problem`, class: "problem", role: "alert" });
    inputs.set(key, {
      input,
      field,
      initial: field.type === "boolean" ? input.checked : input.value,
    });
    problems.set(key, problem);
    form.append(
      el(
        "div",
        { class: "field" },
        el(
          "label",
          { for: id },
          el(
            "span",
            {},
            key,
            field.required ? el("span", { class: "required", "aria-label": "required" }, " *") : "",
          ),
        ),
        input,
        el(
          "span",
          { id: `${id}-help`, class: "muted" },
          [
            field.description,
            field.type === "array" ? ` (comma-separated ${field.elementType ?? "values"})` : "",
            field.minValue !== undefined ? ` min ${field.minValue}` : "",
            field.maxValue !== undefined ? ` max ${field.maxValue}` : "",
            field.pattern ? ` pattern ${field.pattern}` : "",
            field.defaultValue !== undefined && !field.secret
              ? ` · default ${JSON.stringify(field.defaultValue)}`
              : "",
            set ? "" : " · not set: the default applies",
          ].join(""),
        ),
        problem,
      ),
    );
  }
  const save = el("button", { type: "submit", class: "primary" }, "Save");
  form.append(el("div", { class: "actions" }, save));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = {};
    let bad = false;
    for (const [key, { input, field, initial }] of inputs) {
      const problem = problems.get(key);
      problem.textContent = "";
      input.removeAttribute("aria-invalid");
      const current = field.type === "boolean" ? input.checked : input.value;
      const wrong = check(field, current);
      if (wrong) {
        problem.textContent = wrong;
        input.setAttribute("aria-invalid", "true");
        bad = true;
        continue;
      }
      if (current === initial) continue;
      changes[key] = toValue(field, current);
    }
    if (bad) return notify("Some values are not valid; nothing was sent.", true);
    if (Object.keys(changes).length === 0) return notify("Nothing changed.");
    save.disabled = true;
    const result = await api("PUT", `/api/plugins/${encodeURIComponent(name)}/config`, {
      config: changes,
    });
    save.disabled = false;
    if (!result.ok) {
      for (const [key, message] of Object.entries(result.body.errors ?? {})) {
        const problem = problems.get(key);
        if (problem) {
          problem.textContent = message;
          inputs.get(key).input.setAttribute("aria-invalid", "true");
        }
      }
      return notify(result.body.detail ?? `refused (${result.status})`, true);
    }
    for (const [key, entry] of inputs) {
      entry.initial = entry.field.type === "boolean" ? entry.input.checked : entry.input.value;
      problems.get(key).textContent = "";
    }
    notify(
      result.body.reinitialized
        ? `Saved; ${name} runs with the new values.`
        : `Saved; ${name} uses them when it starts.`,
    );
  });
  section.append(form);
}

/** What is wrong with a form value for its field (the server checks again). */
function check(field, value) {
  if (field.type === "boolean") return "";
  if (value === "" || value === undefined) {
    return field.required && field.defaultValue === undefined ? "required" : "";
  }
  if (field.secret && value === "********") return "";
  const one = (item, type) => {
    if (type === "number") {
      const n = Number(item);
      if (!Number.isFinite(n)) return `"${item}" is not a number`;
      if (field.type === "number" && field.minValue !== undefined && n < field.minValue) {
        return `at least ${field.minValue}`;
      }
      if (field.type === "number" && field.maxValue !== undefined && n > field.maxValue) {
        return `at most ${field.maxValue}`;
      }
    }
    if (
      type === "string" && field.pattern && !new RegExp(`^(?:${field.pattern})$`, "u").test(item)
    ) {
      return `"${item}" does not match ${field.pattern}`;
    }
    return "";
  };
  if (field.type !== "array") return one(value, field.type);
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const item of items) {
    const wrong = one(item, field.elementType ?? "string");
    if (wrong) return wrong;
  }
  return "";
}

function toValue(field, value) {
  if (field.type === "boolean") return value;
  if (value === "") return null;
  if (field.type === "number") return Number(value);
  if (field.type === "array") {
    const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
    return field.elementType === "number" ? items.map(Number) : items;
  }
  return value;
}
