/** Runs `git` (the plugin's one way out of its sandbox, granted only to a trusted plugin). */
export async function git(args: string[], signal?: AbortSignal): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("git", {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
      // No prompts for credentials and no pager: git must never wait for a person. Only local
      // repositories and bundles, whose paths the plugin checked against its grants: no network.
      env: { GIT_TERMINAL_PROMPT: "0", GIT_PAGER: "cat", LC_ALL: "C", GIT_ALLOW_PROTOCOL: "file" },
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new Error(
        "running git is not allowed: set trusted = true in [plugin.grants.code] (see plugins/code/README.md)",
      );
    }
    if (error instanceof Deno.errors.NotFound) {
      throw new Error("git is not installed on this machine");
    }
    throw error;
  }
  if (!output.success) {
    const said = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3).join(" / ");
    throw new Error(`git ${args[0]} failed (exit ${output.code}): ${said}`);
  }
  return new TextDecoder().decode(output.stdout);
}
