/** Starts a plugin module as its own process, for tests that talk to it without the host. */
import { parseReadyLine, type PluginAddress } from "../src/protocol/mod.ts";
import { REPO } from "./_host_process.ts";

export interface PluginProcess {
  child: Deno.ChildProcess;
  address: PluginAddress;
  stderr: string[];
  /** Kills the process (if alive) and waits for it. */
  kill(): Promise<Deno.CommandStatus>;
}

export async function startPluginProcess(entry: string, args: string[]): Promise<PluginProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", `${REPO}deno.json`, "--allow-all", entry, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr: string[] = [];
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr.push(chunk);
  })();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let address: PluginAddress | undefined;
  while (!address) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`plugin exited before it was ready: ${stderr.join("")}`);
    buffered += value;
    for (const line of buffered.split("\n")) address ??= parseReadyLine(line);
  }
  // Keep draining stdout so the plugin never blocks on a full pipe.
  (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  let status: Promise<Deno.CommandStatus> | undefined;
  return {
    child,
    address,
    stderr,
    kill() {
      status ??= (async () => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await child.stdin.close().catch(() => {});
        return await child.status;
      })();
      return status;
    },
  };
}
