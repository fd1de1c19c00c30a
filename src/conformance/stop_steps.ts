/** The checks of a plugin's end: `Shutdown`, and stdin as the host uses it. */
import { callUnary, type domain } from "../protocol/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import { describeExit, type ExitStatus, type PluginProcess } from "../supervisor/mod.ts";
import type { Findings } from "./findings.ts";

/** How long a process has to exit after `Shutdown`, and after SIGTERM. */
export const EXIT_MS = 5_000;
/** How soon a plugin given `--watch-stdin` must exit once stdin closes. */
export const STDIN_EXIT_MS = 1_500;

/** The exit status, or undefined when the process still runs after `ms`. */
export function exitWithin(process: PluginProcess, ms: number): Promise<ExitStatus | undefined> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    process.exited,
    new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
  ]).finally(() => clearTimeout(timer));
}

/**
 * `Shutdown`, then the process must exit by itself; one that does not gets SIGTERM, then
 * SIGKILL, as the host does, and the check says which it took.
 */
export async function checkShutdown(
  client: domain.DomainPluginServiceClient,
  process: PluginProcess,
  findings: Findings,
): Promise<void> {
  const step = "shutdown";
  // The process has EXIT_MS from the call to answer and exit; it may exit before its answer.
  const exiting = exitWithin(process, EXIT_MS);
  try {
    await callUnary(client.shutdown.bind(client), {}, EXIT_MS);
  } catch (error) {
    if (!process.exit) findings.warn(step, `Shutdown failed: ${reasonOf(error)}`);
  }
  const exit = await exiting;
  if (exit) {
    findings.pass(step, `exited after Shutdown (${describeExit(exit)})`);
    return;
  }
  process.signal("SIGTERM");
  const terminated = await exitWithin(process, EXIT_MS);
  if (terminated) {
    findings.warn(
      step,
      `still running ${EXIT_MS} ms after Shutdown; exited at SIGTERM (${
        describeExit(terminated)
      }): exit once Shutdown is answered`,
    );
    return;
  }
  process.signal("SIGKILL");
  await process.exited;
  findings.fail(step, `exited neither after Shutdown nor at SIGTERM; it took SIGKILL`);
}

/**
 * The process was given no stdin (closed at once, as QNTX's host gives none): it must still be
 * serving. Checked at the end of the run, after every other call.
 */
export function checkStdinIgnored(process: PluginProcess, findings: Findings): void {
  const step = "stdin";
  if (process.exit) {
    findings.fail(
      step,
      `exited (${describeExit(process.exit)}) while being checked, though nothing asked it to; ` +
        "QNTX's host gives a plugin no stdin: watch it only when given --watch-stdin",
    );
  } else findings.pass(step, "kept serving with stdin closed (QNTX's host gives none)");
}

/** With `--watch-stdin` (this host's), a closed stdin means the host is gone: exit. */
export async function checkWatchStdin(process: PluginProcess, findings: Findings): Promise<void> {
  const step = "stdin";
  await process.closeStdin();
  const exit = await exitWithin(process, STDIN_EXIT_MS);
  if (exit) {
    findings.pass(step, `with --watch-stdin, exited when stdin closed (${describeExit(exit)})`);
    return;
  }
  process.signal("SIGKILL");
  await process.exited;
  findings.warn(
    step,
    `with --watch-stdin, still running ${STDIN_EXIT_MS} ms after stdin closed; a plugin that ` +
      "watches stdin does not outlive a host killed by SIGKILL",
  );
}
