/** Serves a definition in this process on a temporary Unix socket, for the SDK's own tests. */
import * as grpc from "@grpc/grpc-js";
import { JsonLogger, memorySink } from "../log/mod.ts";
import { CHANNEL_OPTIONS, domain } from "../protocol/mod.ts";
import type { PluginDefinition } from "./definition.ts";
import { serve } from "./serve.ts";

export const METADATA = {
  name: "demo",
  version: "1.2.3",
  qntxVersion: ">=0.1.0",
  description: "a plugin for tests",
  author: "tests",
  license: "MIT",
};

type Callback<T> = (error: grpc.ServiceError | null, value: T) => void;

export async function servedPlugin(definition: PluginDefinition) {
  const dir = await Deno.makeTempDir({ prefix: "qntx-sdk-" });
  const sink = memorySink();
  const serving = await serve(definition, {
    args: ["--socket", `${dir}/plugin.sock`],
    exit: false,
    logger: new JsonLogger("demo v1.2.3", { sink }),
  });
  const client = new domain.DomainPluginServiceClient(
    `unix:${dir}/plugin.sock`,
    grpc.credentials.createInsecure(),
    CHANNEL_OPTIONS,
  );
  /** Calls a unary RPC by name and resolves with its answer. */
  const call = <Res>(
    method: keyof domain.DomainPluginServiceClient,
    request: unknown,
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      const fn = client[method] as unknown as (req: unknown, cb: Callback<Res>) => void;
      fn.call(client, request, (error, value) => error ? reject(error) : resolve(value));
    });
  return {
    client,
    call,
    serving,
    logs: sink.records,
    async close() {
      client.close();
      await serving.stop("test over");
      await Deno.remove(dir, { recursive: true });
    },
  };
}
