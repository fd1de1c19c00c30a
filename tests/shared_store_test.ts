/**
 * Hosts that share PostgreSQL (`[database] url`): attestations made through one host are read
 * through another, with the same filters and paging; a plugin's writes over the host's gRPC
 * service land there too. Skipped where no PostgreSQL binaries exist (CI requires them).
 */
import assert from "node:assert/strict";
import { skipPostgres, startCluster } from "./_postgres.ts";
import { pythonPluginDir } from "./_python_plugin.ts";
import { startTestHost, waitForState } from "./_in_process_host.ts";

Deno.test({
  name: "attestations made through one host are read through another that shares PostgreSQL",
  ignore: skipPostgres,
  async fn() {
    const cluster = await startCluster();
    const shared = `\n[database]\nurl = ${JSON.stringify(cluster.url)}\n`;
    const root = await pythonPluginDir();
    const one = await startTestHost(["pyecho"], shared, [root]);
    const two = await startTestHost([], shared);
    try {
      await waitForState(one.host.registry, "pyecho", "running");
      // A plugin process writes over the host's gRPC service...
      const written = await fetch(new URL("/api/pyecho/attest", one.host.url), {
        method: "POST",
        body: JSON.stringify({
          subjects: ["Shared-1"],
          predicates: ["seen"],
          contexts: ["pg"],
          actors: ["t"],
        }),
      });
      assert.equal(written.status, 200, await written.clone().text());
      // ...and the host itself writes a batch.
      const made = await one.host.services.atsStore().batchGenerateAndCreate(
        Array.from({ length: 30 }, (_, i) => ({
          subjects: [`shared-${i + 2}`],
          predicates: ["seen"],
          contexts: ["pg"],
          actors: ["host"],
          timestamp: 1_000 + i,
        })),
      );
      assert.equal(made, 30);
      // The other host reads them all, case-folded, paged.
      const ids: string[] = [];
      let cursor = "";
      for (let i = 0; i < 10; i++) {
        const page = await (await fetch(
          new URL(
            `/api/attestations?context=PG&limit=7${cursor ? `&cursor=${cursor}` : ""}`,
            two.host.url,
          ),
        )).json();
        ids.push(
          ...page.attestations.map((a: { subjects: string[] }) => a.subjects[0]!.toLowerCase()),
        );
        if (!page.next) break;
        cursor = page.next;
      }
      assert.equal(ids.length, 31);
      assert.ok(ids.includes("shared-1"));
      const bySource = await (await fetch(
        new URL("/api/attestations?source=pyecho", two.host.url),
      )).json();
      assert.deepEqual(bySource.attestations.map((a: { subjects: string[] }) => a.subjects), [[
        "Shared-1",
      ]]);
      // Each host lists both, itself first, with its plugins.
      const listed = await (await fetch(new URL("/api/hosts", two.host.url))).json();
      assert.deepEqual(
        listed.hosts.map((h: { url: string }) => h.url),
        [two.host.url.href, one.host.url.href],
      );
      assert.deepEqual(listed.hosts[1].plugins, [
        { name: "pyecho", state: "running", pausable: false },
      ]);
    } finally {
      await one.close();
      await two.close();
      await Deno.remove(root, { recursive: true });
      await cluster.stop();
    }
  },
});
