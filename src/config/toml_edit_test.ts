import assert from "node:assert/strict";
import { setTableValues } from "./toml_edit.ts";

const FILE = `# The host's settings
[server]
port = 8877 # the default

[biotech]
# which genome to align against
reference_genome = "GRCh38" # keep in step with the lab
threads = 4
tags = [
  "a",
  "b",
]

[biotech.blast]
threads = 2

# finance follows
[finance]
currency = "EUR"
`;

Deno.test("setTableValues() changes only the lines it must", () => {
  const edited = setTableValues(FILE, "biotech", {
    reference_genome: "hg19",
    threads: 8,
    "blast.threads": 16,
    "blast.db": "nt",
    tags: ["x"],
    verbose: true,
  });
  assert.equal(
    edited,
    `# The host's settings
[server]
port = 8877 # the default

[biotech]
# which genome to align against
reference_genome = "hg19" # keep in step with the lab
threads = 8
tags = [ "x" ]
verbose = true

[biotech.blast]
threads = 16
db = "nt"

# finance follows
[finance]
currency = "EUR"
`,
  );
});

Deno.test("setTableValues() removes keys with null and adds a missing table at the end", () => {
  assert.equal(
    setTableValues(FILE, "biotech", { threads: null, tags: null, "blast.threads": null }),
    FILE.replace("threads = 4\n", "").replace(`tags = [\n  "a",\n  "b",\n]\n`, "")
      .replace("[biotech.blast]\nthreads = 2\n", "[biotech.blast]\n"),
  );
  assert.equal(
    setTableValues("[server]\nport = 1\n", "code", { "gopls.workspace_root": "/w", n: 1 }),
    '[server]\nport = 1\n\n[code]\ngopls.workspace_root = "/w"\nn = 1\n',
  );
});

Deno.test("setTableValues() writes strings that need escaping so they read back the same", () => {
  const tricky = 'a "quoted" # not a comment\nsecond line';
  const edited = setTableValues(FILE, "finance", { currency: tricky, "odd key": 1 });
  assert.match(
    edited,
    /\[finance\]\ncurrency = "a \\"quoted\\" # not a comment\\nsecond line"\n"odd key" = 1\n/,
  );
});

Deno.test("setTableValues() edits a table by its dotted path, such as a plugin's grants", () => {
  const grants = `[plugin]
enabled = ["asker"]

[plugin.grants.asker]
env = ["HOME"] # by name
`;
  assert.equal(
    setTableValues(grants, "plugin.grants.asker", { approved_manifest: "abc" }),
    grants + 'approved_manifest = "abc"\n',
  );
  assert.equal(
    setTableValues(FILE, "plugin.grants.asker", { approved_manifest: "abc" }),
    `${FILE}\n[plugin.grants.asker]\napproved_manifest = "abc"\n`,
  );
});

Deno.test("setTableValues() refuses an edit the file's own layout would make invalid", () => {
  // The table is already defined by dotted keys: a header for it would define it twice.
  const dotted = `[plugin.grants]\nasker.env = ["HOME"]\n`;
  assert.throws(
    () => setTableValues(dotted, "plugin.grants.asker", { approved_manifest: "abc" }),
    /editing \[plugin\.grants\.asker\] approved_manifest would make the file invalid .*nothing was saved/,
  );
});
