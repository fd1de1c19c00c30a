/**
 * An SDK plugin under this host loads no gRPC: grpc-js was most of a plugin's start (see
 * docs/architecture.md, "Where the time goes"). This walks the import graph that runs when a
 * plugin imports the SDK (static code imports only: types are erased, dynamic imports load on
 * use) and fails on any path to grpc-js or to the gRPC stubs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./_host_process.ts";

interface Dependency {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier: string };
}

interface Module {
  specifier: string;
  dependencies?: Dependency[];
}

async function staticGraph(root: string): Promise<Map<string, string[]>> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", join(REPO, "deno.json"), root],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: Module[];
    redirects: Record<string, string>;
  };
  const resolve = (specifier: string) => info.redirects[specifier] ?? specifier;
  const graph = new Map<string, string[]>();
  for (const module of info.modules) {
    graph.set(
      module.specifier,
      (module.dependencies ?? [])
        .filter((dependency) => !dependency.isDynamic && dependency.code)
        .map((dependency) => resolve(dependency.code!.specifier)),
    );
  }
  return graph;
}

/** The first path from `root` to a module `bad` accepts, or undefined. */
function pathTo(
  graph: Map<string, string[]>,
  root: string,
  bad: (specifier: string) => boolean,
): string[] | undefined {
  const seen = new Set<string>([root]);
  const queue: string[][] = [[root]];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path.at(-1)!;
    if (bad(last)) return path;
    for (const next of graph.get(last) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push([...path, next]);
    }
  }
  return undefined;
}

Deno.test("importing the SDK loads no gRPC: neither grpc-js nor the gRPC stubs", async () => {
  const root = new URL(`file://${join(REPO, "src", "sdk", "mod.ts")}`).href;
  const graph = await staticGraph(root);
  assert.ok(graph.size > 20, `the graph has ${graph.size} modules`);
  const grpc = pathTo(
    graph,
    root,
    (specifier) => specifier.includes("@grpc/") || specifier.includes("/src/protocol/gen/"),
  );
  assert.equal(grpc, undefined, `a static path to gRPC: ${grpc?.join(" → ")}`);
  // The check can fail: the gRPC serving module, loaded only under QNTX's host, reaches it.
  const served = new URL(`file://${join(REPO, "src", "sdk", "grpc_service.ts")}`).href;
  const fromServing = pathTo(
    await staticGraph(served),
    served,
    (specifier) => specifier.includes("@grpc/grpc-js"),
  );
  assert.ok(fromServing, "grpc_service.ts reaches grpc-js");
});
