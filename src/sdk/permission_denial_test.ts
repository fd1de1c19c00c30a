import assert from "node:assert/strict";
import { permissionDenial } from "./permission_denial.ts";

const refused = (words: string) =>
  new Deno.errors.NotCapable(`Requires ${words}, run again with the --allow-x flag`);

Deno.test("a sandbox refusal names the permission, the value and the grant that allows it", () => {
  assert.deepEqual(permissionDenial(refused('net access to "api.ncbi.nlm.nih.gov:443"'), "bio"), {
    permission: "net",
    value: "api.ncbi.nlm.nih.gov:443",
    grant: '[plugin.grants.bio]\nnet = ["api.ncbi.nlm.nih.gov:443"]',
    detail: 'plugin "bio" was refused net access to "api.ncbi.nlm.nih.gov:443" by its sandbox; ' +
      'grant it in am.toml: [plugin.grants.bio] net = ["api.ncbi.nlm.nih.gov:443"]',
  });
  assert.equal(
    permissionDenial(refused('read access to "/data/genomes"'), "bio")?.grant,
    '[plugin.grants.bio]\nread = ["/data/genomes"]',
  );
  const run = permissionDenial(refused('run access to "git"'), "code");
  assert.equal(run?.grant, "[plugin.grants.code]\ntrusted = true");
  assert.match(run?.detail ?? "", /only a trusted plugin may/);
  assert.doesNotMatch(run?.detail ?? "", /--allow/);
});

Deno.test("anything but a sandbox refusal is not one", () => {
  assert.equal(permissionDenial(new Error('Requires net access to "x"'), "p"), undefined);
  assert.equal(permissionDenial(new Deno.errors.NotCapable("something else"), "p"), undefined);
});
