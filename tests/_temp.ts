/** Runs `work` in a fresh temporary folder, removed afterwards whatever happens. */
export async function inTempDir(
  work: (dir: string) => Promise<void>,
  prefix = "qntx-test-",
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
