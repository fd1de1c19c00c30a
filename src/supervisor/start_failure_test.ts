import assert from "node:assert/strict";
import { StartError } from "./plugin_process.ts";
import { unhealableStart } from "./start_failure.ts";

const exited = (stderr: string[]) =>
  new StartError(
    'plugin "x" exited before it was ready (exit code 1)',
    { code: 1, signal: null },
    stderr,
  );

Deno.test("a syntax error or a missing module cannot heal; shown once, without colours", () => {
  const syntax = exited([
    "\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: SyntaxError: Expression expected",
    "  |",
    "1 | const x = ;",
    "  |           ~",
    "    at file:///plugins/x/main.ts:1:11",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
  ]);
  assert.equal(
    unhealableStart(syntax),
    "error: SyntaxError: Expression expected\n  |\n1 | const x = ;\n  |           ~\n" +
      "    at file:///plugins/x/main.ts:1:11",
  );
  assert.match(
    unhealableStart(exited(['error: Module not found "file:///p/missing.ts".'])) ?? "",
    /Module not found/,
  );
  assert.match(
    unhealableStart(exited(["error: Uncaught (in promise) ReferenceError: nope is not defined"])) ??
      "",
    /ReferenceError/,
  );
  const python = unhealableStart(exited([
    "Traceback (most recent call last):",
    '  File "/p/qntx-x-plugin", line 3, in <module>',
    "    import nosuchmod",
    "ModuleNotFoundError: No module named 'nosuchmod'",
  ]));
  assert.match(python ?? "", /^ModuleNotFoundError: No module named 'nosuchmod'\n.*line 3/s);
  assert.match(
    unhealableStart(new StartError("cannot start /p/x: No such file or directory (os error 2)")) ??
      "",
    /No such file/,
  );
  // Started through setsid, a program that is not there is setsid's exit, not a spawn error.
  assert.equal(
    unhealableStart(exited(["setsid: failed to execute /p/x: No such file or directory"])),
    "setsid: failed to execute /p/x: No such file or directory",
  );
  // A passing failure to run it is left to the restarts.
  assert.equal(
    unhealableStart(exited(["setsid: failed to execute /p/x: Text file busy"])),
    undefined,
  );
});

Deno.test("a failure another try may cure is left to the restarts", () => {
  assert.equal(
    unhealableStart(exited(["error: Uncaught (in promise) Error: connection refused"])),
    undefined,
  );
  assert.equal(unhealableStart(exited(["something went wrong"])), undefined);
  assert.equal(unhealableStart(new Error("not a start")), undefined);
  assert.equal(
    unhealableStart(new StartError("did not announce that it is ready within 10 ms")),
    undefined,
  );
});
