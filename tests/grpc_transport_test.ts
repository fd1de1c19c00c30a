/**
 * Reproduces the traffic that aborts Deno 2.9.4 to 2.9.6 inside nghttp2 (denoland/deno#36788):
 * a grpc-js client that closes its channel right after its last unary answer, with no stream
 * open, on a connection that has carried more than ~127 calls, makes the *server* process die
 * within milliseconds (free(): invalid pointer, SIGABRT) about 19 times in 20. Each attempt
 * uses a fresh plugin process, as a process that survives once tends to survive; four attempts
 * leave a broken Deno about one chance in 100 000 to pass. Deno 2.9.3 never crashed here.
 */
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { CHANNEL_OPTIONS, domain, grpcTarget } from "../src/protocol/mod.ts";
import { exerciseSession, unaryCalls } from "./fixtures/tools/grpc_session.ts";
import { REPO } from "./_host_process.ts";
import { startPluginProcess } from "./_plugin_process.ts";

const ECHO = `${REPO}tests/fixtures/plugins/echo/main.ts`;
const CLIENT = `${REPO}tests/fixtures/tools/grpc_client.ts`;
const PROCESSES = 4;
const CALLS = 200;

function client(target: string): domain.DomainPluginServiceClient {
  return new domain.DomainPluginServiceClient(
    target,
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS,
  );
}

for (const kind of ["unix", "tcp"] as const) {
  Deno.test(`a plugin survives a client that closes right after ${CALLS} unary calls (${kind})`, async () => {
    for (let attempt = 1; attempt <= PROCESSES; attempt++) {
      const dir = await Deno.makeTempDir({ prefix: "qntx-grpc-" });
      const plugin = await startPluginProcess(
        ECHO,
        kind === "unix" ? ["--socket", `${dir}/echo.sock`] : ["--port", "0"],
      );
      try {
        const target = grpcTarget(plugin.address);
        const first = client(target);
        await unaryCalls(first, CALLS);
        first.close(); // the GOAWAY leaves now, with no stream open
        // A second session: on a broken Deno the server is gone before it finishes.
        const second = client(target);
        const survived = await unaryCalls(second, 20).then(() => true, () => false);
        second.close();
        const alive = survived &&
          await Promise.race([plugin.child.status.then(() => false), Promise.resolve(true)]);
        assert.ok(alive, `plugin process #${attempt} died: ${plugin.stderr.join("").slice(-300)}`);
      } finally {
        await plugin.kill();
        await Deno.remove(dir, { recursive: true });
      }
    }
  });

  Deno.test(`a plugin's gRPC server survives client processes and bidi sessions that come and go (${kind})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "qntx-grpc-" });
    const plugin = await startPluginProcess(
      ECHO,
      kind === "unix" ? ["--socket", `${dir}/echo.sock`] : ["--port", "0"],
    );
    try {
      const target = grpcTarget(plugin.address);
      for (let i = 0; i < 3; i++) {
        const process = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--config", `${REPO}deno.json`, "--allow-all", CLIENT, target, "320"],
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.equal(process.code, 0, new TextDecoder().decode(process.stderr));
      }
      for (let i = 0; i < 10; i++) {
        const session = client(target);
        await exerciseSession(session, 20);
        session.close();
      }
      const last = client(target);
      await unaryCalls(last, 5);
      last.close();
      const alive = await Promise.race([
        plugin.child.status.then(() => false),
        Promise.resolve(true),
      ]);
      assert.ok(alive, `the plugin process died: ${plugin.stderr.join("")}`);
    } finally {
      await plugin.kill();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
