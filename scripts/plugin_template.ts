/**
 * The files of a new plugin (`deno task new <name>`): a small notes domain that uses each part
 * of the SDK once (a setting, routes that read and write attestations, a WebSocket that tells
 * every client of each new note, a job) with its tests and README. `sdk` is the import path of
 * the SDK from the plugin's folder.
 */
export function pluginFiles(name: string, sdk: string): Record<string, string> {
  return {
    "plugin.json": JSON.stringify(
      {
        name,
        version: "0.1.0",
        entry: "main.ts",
        description: `${name}: notes kept as attestations`,
      },
      null,
      2,
    ) + "\n",
    "main.ts": main(name, sdk),
    "main_test.ts": test(name, sdk),
    "README.md": readme(name),
  };
}

function main(name: string, sdk: string): string {
  return `// The ${name} domain: notes kept as attestations in the host's store, told to every
// WebSocket client as they are made, and counted by a job.
import { definePlugin, HttpError, type PluginSocket, readJson, serve } from "${sdk}";

/** Every open WebSocket, to tell each of a new note. */
const listeners = new Set<PluginSocket>();

export const plugin = definePlugin({
  metadata: {
    name: "${name}",
    version: "0.1.0",
    qntxVersion: ">=0.1.0",
    description: "Notes kept as attestations",
    author: "",
    license: "MIT",
  },
  configSchema: {
    greeting: { type: "string", description: "What GET /hello answers", defaultValue: "hello" },
    max_length: {
      type: "number",
      description: "The longest note, in characters",
      defaultValue: 2000,
      minValue: 1,
      maxValue: 100_000,
    },
  },
  routes: [
    {
      method: "GET",
      path: "/hello",
      description: "The greeting setting",
      handler: (_request, context) => new Response(context.config.getString("greeting", "hello")),
    },
    {
      method: "POST",
      path: "/notes",
      description: 'Add a note: {"text": "..."}',
      handler: async (request, context) => {
        const body = await readJson(request, 64 * 1024) as { text?: unknown };
        const text = typeof body?.text === "string" ? body.text.trim() : "";
        if (text === "") throw new HttpError(400, '"text" is required: {"text": "..."}');
        const max = context.config.getInt("max_length", 2000);
        if (text.length > max) throw new HttpError(400, \`a note is at most \${max} characters\`);
        const note = await context.ats.generateAndCreate({
          subjects: [\`note-\${crypto.randomUUID().slice(0, 8)}\`],
          predicates: ["noted"],
          contexts: ["${name}"],
          actors: ["${name}"],
          attributes: { text },
        });
        for (const socket of listeners) socket.send(JSON.stringify({ note }));
        return Response.json(note, { status: 201 });
      },
    },
    {
      method: "GET",
      path: "/notes",
      description: "The latest notes",
      handler: async (_request, context) =>
        Response.json(await context.ats.get({ predicates: ["noted"], limit: 50 })),
    },
  ],
  websocket: {
    // Each client hears of every new note; it may send "ping" and gets "pong".
    "/": (socket) => {
      listeners.add(socket);
      socket.onmessage = (event) => {
        if (event.data === "ping") socket.send("pong");
      };
      socket.onclose = () => listeners.delete(socket);
    },
  },
  jobs: {
    count: async (_payload, job) => {
      const notes = await job.ats.get({ predicates: ["noted"], limit: 1000 });
      job.log("info", \`\${notes.length} notes\`);
      return { notes: notes.length };
    },
  },
});

if (import.meta.main) await serve(plugin);
`;
}

function test(name: string, sdk: string): string {
  return `import assert from "node:assert/strict";
import type { Attestation, AttestationCommand, PluginContext } from "${sdk}";
import { plugin } from "./main.ts";

/** A context with an attestation store in memory and the schema's defaults. */
function context(settings: Record<string, unknown> = {}) {
  const kept: Attestation[] = [];
  const ats = {
    generateAndCreate: (command: AttestationCommand) => {
      const made = { ...command, id: \`A\${kept.length}\`, source: "${name}" } as unknown as Attestation;
      kept.push(made);
      return Promise.resolve(made);
    },
    get: () => Promise.resolve([...kept]),
  };
  const config = {
    getString: (key: string, fallback = "") => String(settings[key] ?? fallback),
    getInt: (key: string, fallback = 0) => Number(settings[key] ?? fallback),
  };
  return { ats, config, params: {} } as unknown as PluginContext & {
    params: Record<string, string | undefined>;
  };
}

function route(method: string, path: string) {
  const found = plugin.routes?.find((r) => r.method === method && r.path === path);
  assert.ok(found, \`\${method} \${path} is a route\`);
  return found.handler;
}

const post = (body: unknown) =>
  new Request("http://plugin/notes", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

Deno.test("a note is kept as an attestation and listed", async () => {
  const ctx = context();
  const made = await route("POST", "/notes")(post({ text: "buy milk" }), ctx);
  assert.equal(made.status, 201);
  const listed = await (await route("GET", "/notes")(new Request("http://plugin/notes"), ctx)).json();
  assert.deepEqual(listed.map((note: { attributes: unknown }) => note.attributes), [{ text: "buy milk" }]);
});

Deno.test("a note without text, or too long, is refused with why", async () => {
  const ctx = context({ max_length: 5 });
  await assert.rejects(route("POST", "/notes")(post({}), ctx) as Promise<Response>, /"text" is required/);
  await assert.rejects(route("POST", "/notes")(post({ text: "too long" }), ctx) as Promise<Response>, /at most 5/);
});

Deno.test("the greeting is the setting, and the count job counts", async () => {
  const ctx = context({ greeting: "hi" });
  assert.equal(await (await route("GET", "/hello")(new Request("http://plugin/hello"), ctx)).text(), "hi");
  await route("POST", "/notes")(post({ text: "one" }), ctx);
  const logs: string[] = [];
  const job = { ...ctx, log: (_level: string, message: string) => logs.push(message) };
  assert.deepEqual(await plugin.jobs!.count!(null, job as never), { notes: 1 });
  assert.deepEqual(logs, ["1 notes"]);
});
`;
}

function readme(name: string): string {
  return `# ${name}

Notes kept as attestations in the host's store (\`note-<id> noted ${name}\`, the text in
\`attributes.text\`), told to every WebSocket client as they are made, and counted by a job.

| route (under \`/api/${name}\`) | what it does |
| --- | --- |
| \`GET /hello\` | the \`greeting\` setting |
| \`POST /notes\` | \`{"text": "..."}\` becomes a note (at most \`max_length\` characters) |
| \`GET /notes\` | the latest 50 notes |
| WebSocket \`/${name}-ws\` | \`{"note": …}\` for each new note; "ping" gets "pong" |
| job \`${name}/count\` | how many notes there are |

Settings, in \`am.toml\`:

\`\`\`toml
[${name}]
greeting = "hello"
max_length = 2000
\`\`\`

Develop: \`deno task dev\` restarts the plugin when a change type-checks; \`deno test\` in this
folder runs its tests; \`deno task check-plugin <this folder>\` checks the manifest, the types,
the tests and the protocol before you ship it.
`;
}
