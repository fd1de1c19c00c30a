import assert from "node:assert/strict";
import { join } from "node:path";
import { processStartTicks } from "../src/supervisor/mod.ts";
import { listeningUrl, spawnHost, withToken } from "./_host_process.ts";
import { alive, FIXTURES, processGroup } from "./_in_process_host.ts";
import { inTempDir } from "./_temp.ts";
import { writeProgram } from "./_programs.ts";
import { pythonPluginDir } from "./_python_plugin.ts";

/** Resolves once `pid` is gone; rejects after `ms`. */
async function gone(pid: number, ms: number): Promise<number> {
  const started = performance.now();
  while (alive(pid)) {
    if (performance.now() - started > ms) {
      throw new Error(`process ${pid} still runs after ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

Deno.test("when the host is SIGKILLed, its SDK plugins exit within 2 s", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "am.toml"),
      `[plugin]\nenabled = ["echo"]\npaths = ["${FIXTURES}"]\n`,
    );
    const host = spawnHost({ cwd: dir });
    const url = await listeningUrl(host);
    await host.waitFor((line) => line.msg === 'plugin "echo" loading → running');
    const ledger = JSON.parse(await Deno.readTextFile(join(dir, "data", "run", "processes.json")));
    const pid = ledger.processes[0].pid as number;
    assert.ok(alive(pid));
    const plugins = await (await fetch(new URL("/api/plugins", url), withToken())).json();
    assert.equal(plugins.plugins[0].state, "running");
    host.child.kill("SIGKILL");
    await host.finished;
    const took = await gone(pid, 2000);
    console.log("plugin gone after", Math.round(took), "ms");
    assert.ok(took < 2000);
  });
});

Deno.test("at start the host kills plugins a crashed host left behind, and only those", async () => {
  await inTempDir(async (dir) => {
    const runtime = join(dir, "data", "run");
    await Deno.mkdir(runtime, { recursive: true, mode: 0o700 });
    const leftover = new Deno.Command("sleep", { args: ["60"], detached: true, stdin: "null" })
      .spawn();
    const stranger = new Deno.Command("sleep", { args: ["60"], stdin: "null" }).spawn();
    try {
      await Deno.writeTextFile(
        join(runtime, "processes.json"),
        JSON.stringify({
          host: { pid: 999_999, startTicks: 1 },
          processes: [
            { plugin: "old", pid: leftover.pid, startTicks: processStartTicks(leftover.pid) },
            // The same PID number but another start time: a reused PID, not ours.
            {
              plugin: "reused",
              pid: stranger.pid,
              startTicks: processStartTicks(stranger.pid)! + 1,
            },
          ],
        }),
      );
      await Deno.writeTextFile(join(runtime, "old.sock"), "");
      const host = spawnHost({ cwd: dir });
      await listeningUrl(host);
      const killed = host.lines.find((line) => String(line.msg).startsWith('killed plugin "old"'));
      assert.ok(killed, JSON.stringify(host.lines));
      assert.equal((await leftover.status).signal, "SIGKILL");
      assert.ok(alive(stranger.pid), "a process that merely reuses a recorded PID was killed");
      await assert.rejects(Deno.stat(join(runtime, "old.sock")), Deno.errors.NotFound);
      host.child.kill("SIGTERM");
      assert.equal((await host.finished).code, 0);
    } finally {
      try {
        stranger.kill("SIGKILL");
      } catch { /* gone */ }
      await stranger.status;
      try {
        leftover.kill("SIGKILL");
      } catch { /* gone */ }
      await leftover.status;
    }
  });
});

Deno.test("when the host is SIGKILLed, confined and trusted executables exit within 2 s too", async () => {
  const programs = await pythonPluginDir();
  await writeProgram(join(programs, "qntx-portecho-plugin"), "portecho");
  try {
    await inTempDir(async (dir) => {
      await Deno.writeTextFile(
        join(dir, "am.toml"),
        `[plugin]\nenabled = ["pyecho", "portecho"]\npaths = ["${programs}"]\n` +
          `[plugin.grants.portecho]\ntrusted = true\n`,
      );
      const host = spawnHost({ cwd: dir });
      await listeningUrl(host);
      for (const name of ["pyecho", "portecho"]) {
        await host.waitFor((line) => line.msg === `plugin "${name}" loading → running`);
      }
      const ledger = JSON.parse(
        await Deno.readTextFile(join(dir, "data", "run", "processes.json")),
      );
      const pids = ledger.processes.flatMap((p: { pid: number }) => processGroup(p.pid));
      // bubblewrap, its init and python; setpriv's program and the deno it runs.
      assert.ok(pids.length >= 3, JSON.stringify(pids));
      host.child.kill("SIGKILL");
      await host.finished;
      for (const pid of pids) await gone(pid, 2000);
    });
  } finally {
    await Deno.remove(programs, { recursive: true });
  }
});
