import assert from "node:assert/strict";
import { readyLine } from "../protocol/mod.ts";
import { findConfinementTools } from "./confine.ts";
import { LogBuffer } from "./log_buffer.ts";
import { PluginProcess } from "./plugin_process.ts";
import { unhealableStart } from "./start_failure.ts";

const SETSID = findConfinementTools(Deno.env.toObject()).setsid;
const SOCKET = "/tmp/qntx-plugin-process-test.sock";

/** Process group (field 5) and session (field 6) of `pid`, from /proc. */
function groupAndSession(pid: number): { group: number; session: number } {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { group: Number(fields[2]), session: Number(fields[3]) };
}

function launch(setsid: string | undefined, command: string, spawned: number[]) {
  return PluginProcess.launch({
    name: "probe",
    command,
    args: ["-c", `echo '${readyLine({ kind: "unix", path: SOCKET })}'; exec sleep 30`],
    env: { PATH: "/usr/bin:/bin" },
    cwd: "/",
    address: { kind: "unix", path: SOCKET },
    startTimeoutMs: 10_000,
    setsid,
    onSpawn: (pid) => spawned.push(pid),
  }, new LogBuffer());
}

for (const setsid of [SETSID, undefined]) {
  Deno.test(`a plugin process leads a process group and session of its own (${setsid ? "through setsid" : "Deno's detached"})`, async () => {
    const spawned: number[] = [];
    const process = await launch(setsid, "/bin/sh", spawned);
    try {
      // Told before it was ready, and the same PID: setsid execs in place.
      assert.deepEqual(spawned, [process.pid]);
      assert.deepEqual(groupAndSession(process.pid), { group: process.pid, session: process.pid });
    } finally {
      process.signal("SIGKILL");
      await process.closeStdin();
      await process.exited;
    }
  });
}

Deno.test("started through setsid, a program that is not there is a start no restart cures", {
  ignore: !SETSID,
}, async () => {
  const spawned: number[] = [];
  const error = await launch(SETSID, "/nonexistent/plugin", spawned).then(
    () => assert.fail("it started"),
    (error: unknown) => error,
  );
  assert.equal(spawned.length, 1);
  assert.match(unhealableStart(error) ?? "", /^setsid: failed to execute .*No such file/);
});
