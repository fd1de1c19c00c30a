import assert from "node:assert/strict";
import { describeThrown, thrownAt } from "./thrown.ts";

function thrownWith(stack: string): Error {
  const error = new TypeError("reading 'length' of undefined");
  error.stack = `TypeError: reading 'length' of undefined\n${stack}`;
  return error;
}

Deno.test("an error is placed at the plugin's own first frame, relative to its folder", () => {
  const error = thrownWith([
    "    at count (file:///host/src/sdk/router.ts:40:11)",
    // The SDK's bundle a host starts plugins from is the SDK too.
    "    at respond (file:///host/data/run/sdk-bundle/0a1b2c/mod.js:900:7)",
    "    at analyze (file:///plugins/bio/analysis.ts:12:9)",
    "    at file:///plugins/bio/main.ts:30:3",
    "    at ext:core/01_core.js:100:5",
  ].join("\n"));
  assert.equal(thrownAt(error, "/plugins/bio"), "analysis.ts:12:9");
  assert.equal(
    describeThrown(error, "/plugins/bio"),
    "TypeError: reading 'length' of undefined (at analysis.ts:12:9)",
  );
  // A frame outside the plugin's folder keeps its whole path.
  assert.equal(thrownAt(error, "/elsewhere"), "/plugins/bio/analysis.ts:12:9");
});

Deno.test("a stack with nothing of the plugin's, or no stack, gives the message alone", () => {
  const error = thrownWith("    at file:///host/node_modules/x/index.js:1:1\n    at native");
  assert.equal(describeThrown(error, "/p"), "TypeError: reading 'length' of undefined");
  assert.equal(describeThrown("plain words"), "plain words");
  // Thrown here, inside the SDK's own folder: not the plugin's code.
  assert.equal(describeThrown(new Error("here")), "Error: here");
});
