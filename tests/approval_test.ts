/**
 * The operator approves a plugin's manifest from the API: exactly the manifest they read (by
 * its SHA-256), written into `[plugin.grants.<name>]` of `am.toml` with everything else kept,
 * then the plugin restarts with what it asked. Bad bodies, stale hashes, other sites and
 * plugins without a manifest are refused, and nothing is written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startTestHost, waitForState } from "./_in_process_host.ts";
import { pluginFolder, sha256Of } from "./_plugin_folder.ts";

// The operator's own lines, which an approval must keep.
const GRANTS = `
# what the asker plugin may do beyond its manifest
[plugin.grants.asker]
read = [] # nothing to read yet

# a plugin that is not enabled, with the operator's notes
[unrelated]
note = "kept" # a comment
`;

Deno.test("the operator approves the manifest they read; it is written and the plugin starts with it", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "qntx-approve-" });
  Deno.env.set("QNTX_TEST_X", "x-value");
  try {
    await pluginFolder(root, "asker", { env: ["QNTX_TEST_X"] });
    await pluginFolder(root, "wide", { env: ["QNTX_TEST_X"], net: ["0.0.0.0:9999"] });
    // A QNTX program has no manifest: it fails to start, which does not matter here.
    await Deno.writeTextFile(join(root, "qntx-prog-plugin"), "#!/bin/sh\nexit 3\n", {
      mode: 0o755,
    });
    const test = await startTestHost(
      ["asker", "wide", "prog", "ghost"],
      GRANTS,
      [root],
      "",
      { file: true },
    );
    const file = join(test.dir, "am.toml");
    const url = (path: string) => new URL(path, test.host.url);
    const approve = (name: string, body: string, headers: Record<string, string> = {}) =>
      fetch(url(`/api/plugins/${name}/approve`), {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const refused = async (response: Response, status: number, detail: RegExp) => {
      assert.equal(response.status, status);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      const problem = await response.json();
      assert.match(problem.detail, detail);
      return problem;
    };
    try {
      const { registry } = test.host;
      const sha = await sha256Of(join(root, "asker", "plugin.json"));
      const original = await Deno.readTextFile(file);

      await t.step("a manifest that asks for a variable leaves the plugin failed", async () => {
        const change = await waitForState(registry, "asker", "failed");
        assert.match(change?.reason ?? registry.snapshot("asker")!.lastError!, /env QNTX_TEST_X/);
      });

      await t.step(
        "GET /api/plugins/<name> shows what its manifest asks, and its hash",
        async () => {
          const view = await (await fetch(url("/api/plugins/asker"))).json();
          assert.deepEqual(view.manifest, {
            sha256: sha,
            requested: ["env QNTX_TEST_X"],
            asks: [{
              what: "env QNTX_TEST_X",
              grant: 'env = ["QNTX_TEST_X"] in [plugin.grants.asker]',
            }],
            byNameOnly: [],
            approved: false,
          });
          const program = await (await fetch(url("/api/plugins/prog"))).json();
          assert.equal(program.manifest, null, "a QNTX program has no manifest");
        },
      );

      await t.step("an approval of another manifest is 409, naming both hashes", async () => {
        const stale = "0".repeat(64);
        const problem = await refused(
          await approve("asker", JSON.stringify({ sha256: stale })),
          409,
          new RegExp(`the manifest changed since you read it: you approved ${stale}.*now ${sha}`),
        );
        assert.deepEqual([problem.approved, problem.current], [stale, sha]);
      });

      await t.step("bad bodies, other sites and wrong types are refused", async (t) => {
        const rows: [string, Response | Promise<Response>, number, RegExp][] = [
          ["no body", approve("asker", ""), 400, /the body is empty/],
          ["not JSON", approve("asker", "{"), 400, /not JSON/],
          ["no sha256", approve("asker", "{}"), 400, /needs \{"sha256": "<hex>"\}: sha256: /],
          [
            "not a hash",
            approve("asker", JSON.stringify({ sha256: sha.toUpperCase() })),
            400,
            /sha256: must be the manifest's SHA-256 .*64 lowercase hex digits/,
          ],
          [
            "an unknown field",
            approve("asker", JSON.stringify({ sha256: sha, trusted: true })),
            400,
            /unknown field trusted/,
          ],
          [
            "no content type",
            fetch(url("/api/plugins/asker/approve"), {
              method: "POST",
              body: new Blob([JSON.stringify({ sha256: sha })]),
            }),
            415,
            /the content type must be application\/json; the request has none/,
          ],
          [
            "a text body",
            approve("asker", JSON.stringify({ sha256: sha }), { "content-type": "text/plain" }),
            415,
            /must be application\/json/,
          ],
          [
            "another origin",
            approve("asker", JSON.stringify({ sha256: sha }), { origin: "http://evil.example" }),
            403,
            /POST \/api\/plugins\/asker\/approve is refused: .*http:\/\/evil\.example/,
          ],
          [
            "another site, by Sec-Fetch-Site",
            approve("asker", JSON.stringify({ sha256: sha }), { "sec-fetch-site": "cross-site" }),
            403,
            /another site \(Sec-Fetch-Site: cross-site\)/,
          ],
          [
            "an unknown plugin",
            approve("nobody", JSON.stringify({ sha256: sha })),
            404,
            /plugin "nobody" is not registered/,
          ],
          [
            "a QNTX program",
            approve("prog", JSON.stringify({ sha256: sha })),
            409,
            /plugin "prog" is a QNTX executable and has no manifest to approve/,
          ],
          [
            "a plugin that was not found",
            approve("ghost", JSON.stringify({ sha256: sha })),
            409,
            /plugin "ghost" was not found in the plugin paths/,
          ],
        ];
        for (const [name, response, status, detail] of rows) {
          await t.step(`${name} → ${status}`, async () => {
            await refused(await response, status, detail);
          });
        }
      });

      await t.step("nothing was written and nothing restarted", async () => {
        assert.equal(await Deno.readTextFile(file), original);
        assert.equal(registry.getState("asker"), "failed");
      });

      await t.step(
        "the right hash is written, kept with the rest, and the plugin runs",
        async () => {
          const response = await approve("asker", JSON.stringify({ sha256: sha }));
          assert.equal(response.status, 200);
          const answer = await response.json();
          assert.deepEqual(
            [answer.state, answer.written, answer.restarted, answer.remaining],
            ["running", true, true, undefined],
          );
          assert.deepEqual(answer.manifest.asks, []);
          assert.equal(answer.manifest.approved, true);
          assert.equal(
            await Deno.readTextFile(file),
            original.replace(
              "read = [] # nothing to read yet\n",
              `read = [] # nothing to read yet\napproved_manifest = "${sha}"\n`,
            ),
          );
          const variable = await fetch(url("/api/asker/env"));
          assert.equal(await variable.text(), "x-value", "the approved variable is granted");
          const record = test.logs.find((r) => r.msg.includes("approved the manifest"));
          assert.deepEqual(
            [record?.level, record?.plugin, record?.sha256, record?.approved],
            ["info", "asker", sha, ["env QNTX_TEST_X"]],
          );
          const view = await (await fetch(url("/api/plugins/asker"))).json();
          assert.equal(view.manifest.approved, true);
        },
      );

      await t.step("approving it again writes nothing and keeps the process", async () => {
        const pid = test.host.supervisor.get("asker")!.pid;
        const text = await Deno.readTextFile(file);
        const answer = await (await approve("asker", JSON.stringify({ sha256: sha }))).json();
        assert.deepEqual([answer.written, answer.restarted, answer.state], [
          false,
          false,
          "running",
        ]);
        assert.equal(await Deno.readTextFile(file), text);
        assert.equal(test.host.supervisor.get("asker")!.pid, pid);
      });

      await t.step("what an approval never grants is named in the answer", async () => {
        await waitForState(registry, "wide", "failed");
        const wide = await sha256Of(join(root, "wide", "plugin.json"));
        const response = await approve("wide", JSON.stringify({ sha256: wide }));
        assert.equal(response.status, 200);
        const answer = await response.json();
        assert.equal(answer.state, "failed");
        assert.match(
          answer.remaining,
          /an approval never grants net 0\.0\.0\.0:9999 .*only net = \["0\.0\.0\.0:9999"\] in \[plugin\.grants\.wide\]/,
        );
        assert.match(
          await Deno.readTextFile(file),
          /\[plugin\.grants\.wide\]\napproved_manifest = /,
        );
      });
    } finally {
      await test.close();
    }
  } finally {
    Deno.env.delete("QNTX_TEST_X");
    await Deno.remove(root, { recursive: true });
  }
});
