import assert from "node:assert/strict";
import { definePlugin } from "./definition.ts";
import { definitionProblems, PluginDefinitionError } from "./definition_check.ts";

const metadata = {
  name: "notes",
  version: "1.0.0",
  qntxVersion: "",
  description: "",
  author: "",
  license: "",
};
const ok = () => new Response("ok");

Deno.test("a misspelt key, an unknown field type or a missing handler is named, with what was meant", () => {
  const problems = definitionProblems({
    metadata,
    route: [{ method: "GET", path: "/x", handler: ok }],
    configSchema: {
      limit: { type: "integer", description: "how many", default: 5 },
      tags: { type: "array", description: "", elementType: "str" },
    },
    routes: [{ method: "GET", pth: "/y", handler: "ok" }],
    jobs: { count: () => 1 },
    schedules: [{ handler: "cuont", intervalSeconds: 60 }],
    websocket: { live: () => {} },
  });
  assert.deepEqual(problems, [
    'definePlugin({…}) has an unknown key "route" (did you mean "routes"?)',
    'configSchema.limit has an unknown key "default" (did you mean "defaultValue"?)',
    'configSchema.limit.type is "integer"; one of string, number, boolean, array (did you mean "number"?)',
    'configSchema.tags.elementType is "str"; one of string, number, boolean, array (did you mean "string"?)',
    'routes[0] has an unknown key "pth" (did you mean "path"?)',
    "routes[0].handler must be a function, not a string",
    "routes[0].path is required",
    'websocket["live"]: a path starts with "/" (the root is "/")',
    'schedules[0].handler "cuont" is not one of its jobs (count) (did you mean "count"?)',
  ]);
});

Deno.test("definePlugin throws every problem at once; a sound definition passes as it is", () => {
  assert.throws(
    () => definePlugin({ metadata: { ...metadata, verison: "1" } } as never),
    (error: unknown) =>
      error instanceof PluginDefinitionError &&
      /metadata has an unknown key "verison" \(did you mean "version"\?\)/.test(error.message),
  );
  const sound = {
    metadata,
    configSchema: { greeting: { type: "string" as const, description: "", defaultValue: "hi" } },
    routes: [{ method: "GET", path: "/", handler: ok }],
    jobs: { count: () => 1 },
    watchers: [{ id: "w", handler: "count", predicates: ["noted"] }],
    glyphs: [{ symbol: "N", title: "Notes", modulePath: "/glyph.js" }],
  };
  assert.equal(definePlugin(sound), sound);
});
