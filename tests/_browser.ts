/**
 * A real Chromium for the console's tests: Debian's package, driven by playwright-core. The
 * browser is installed with apt when missing (as CI does); a tool never downloads its own.
 */
import { type Browser, chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Installs Debian's chromium when it is missing; throws with what to do when it cannot. */
export async function ensureChromium(): Promise<string> {
  if (await exists(CHROMIUM)) return CHROMIUM;
  const run = (args: string[]) =>
    new Deno.Command("apt-get", {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdout: "null",
      stderr: "piped",
    }).output();
  let result = await run(["install", "-y", "--no-install-recommends", "chromium"]);
  if (!result.success) {
    await run(["update"]);
    result = await run(["install", "-y", "--no-install-recommends", "chromium"]);
  }
  if (!result.success || !(await exists(CHROMIUM))) {
    throw new Error(
      `Chromium is missing and could not be installed (run: apt-get install chromium): ${
        new TextDecoder().decode(result.stderr).slice(-500)
      }`,
    );
  }
  return CHROMIUM;
}

/** Launches Debian's Chromium headless; `args` adds flags (such as `--host-resolver-rules`). */
export async function launchBrowser(args: string[] = []): Promise<Browser> {
  return await chromium.launch({
    executablePath: await ensureChromium(),
    args: [...FLAGS, ...args],
  });
}

/** Where screenshots go (ignored by git; CI keeps them as artifacts). */
export const ARTIFACTS = new URL("./artifacts/", import.meta.url);
