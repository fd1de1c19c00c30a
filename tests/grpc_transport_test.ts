/**
 * Reproduces the pattern that aborts Deno 2.9.4 to 2.9.6 inside nghttp2 (denoland/deno#36788):
 * one gRPC server, many client sessions that each make calls and then close(), over a Unix
 * socket and over TCP, unary and bidi streaming. On a broken Deno the plugin process dies
 * (free(): invalid pointer) and this test fails, so an upgrade into one cannot pass CI.
 */
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { CHANNEL_OPTIONS, domain, grpcTarget } from "../src/protocol/mod.ts";
import { exerciseSession } from "./fixtures/tools/grpc_session.ts";
import { REPO } from "./_host_process.ts";
import { startPluginProcess } from "./_plugin_process.ts";

const ECHO = `${REPO}tests/fixtures/plugins/echo/main.ts`;
const CLIENT = `${REPO}tests/fixtures/tools/grpc_client.ts`;

for (const kind of ["unix", "tcp"] as const) {
  Deno.test(`a plugin's gRPC server survives client sessions that come and go (${kind})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "qntx-grpc-" });
    const args = kind === "unix" ? ["--socket", `${dir}/echo.sock`] : ["--port", "0"];
    const plugin = await startPluginProcess(ECHO, args);
    try {
      const target = grpcTarget(plugin.address);
      // Client processes one after another, as the crash was first seen.
      for (let i = 0; i < 3; i++) {
        const client = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--config", `${REPO}deno.json`, "--allow-all", CLIENT, target, "320"],
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.equal(client.code, 0, new TextDecoder().decode(client.stderr));
      }
      // Then many short sessions from this process.
      for (let i = 0; i < 25; i++) {
        const client = new domain.DomainPluginServiceClient(
          target,
          grpc.credentials.createInsecure(),
          CHANNEL_OPTIONS,
        );
        await exerciseSession(client, 20);
        client.close();
      }
      const last = new domain.DomainPluginServiceClient(
        target,
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      const metadata = await new Promise<domain.MetadataResponse>((resolve, reject) =>
        last.metadata(
          {},
          (error: grpc.ServiceError | null, value: domain.MetadataResponse) =>
            error ? reject(error) : resolve(value),
        )
      );
      last.close();
      assert.equal(metadata.name, "echo");
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
