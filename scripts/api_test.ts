import assert from "node:assert/strict";
import { parseHostConfig } from "../src/config/mod.ts";
import { inTempDir } from "../tests/_temp.ts";
import { hostOf, parseCall } from "./api.ts";

Deno.test("parseCall() - a method (GET when none), a path and a body", () => {
  assert.deepEqual(parseCall(["/api/plugins"]), { method: "GET", path: "/api/plugins" });
  assert.deepEqual(parseCall(["post", "/api/pulse/jobs", "{}"]), {
    method: "POST",
    path: "/api/pulse/jobs",
    body: "{}",
  });
  assert.throws(() => parseCall(["api/plugins"]), /usage: deno task api/);
});

Deno.test("hostOf() - finds the host's address and the operator's token as the host does", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/auth_token`, "from-the-file\n");
    const fromFile = await hostOf(parseHostConfig("[server]\nport = 9000\n", "am.toml"), {}, dir);
    assert.equal(fromFile.base.href, "http://127.0.0.1:9000/");
    assert.equal(fromFile.token, "from-the-file");
    const fromEnv = await hostOf(
      parseHostConfig('[auth]\ntoken = "env:OPERATOR"\n', "am.toml"),
      { OPERATOR: "from-env" },
      dir,
    );
    assert.equal(fromEnv.token, "from-env");
    const off = await hostOf(parseHostConfig("[auth]\nenabled = false\n", "am.toml"), {}, dir);
    assert.equal(off.token, undefined);
  });
});
