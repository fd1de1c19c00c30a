import assert from "node:assert/strict";
import { compilePath } from "./path_pattern.ts";

const PATHS = [
  "/",
  "",
  "/kib/:who",
  "/greet/:who",
  "/sequences/:id/bases",
  "/a.b/:x",
  "/trailing/",
  "/:a/:b",
  "/files/*",
  "/items/:id(\\d+)",
  "/opt{/:x}?",
];
const INPUTS = [
  "/",
  "",
  "/kib/x",
  "/kib/",
  "/kib/x/",
  "/kib/x/y",
  "/greet/J%C3%BCrgen",
  "/greet/a b",
  "/sequences/42/bases",
  "/sequences//bases",
  "/a.b/1",
  "/aXb/1",
  "/trailing/",
  "/trailing",
  "/one/two",
  "/files/a/b",
  "/items/12",
  "/items/ab",
  "/opt",
  "/opt/3",
  "/KIB/x",
];

Deno.test("a compiled path answers as URLPattern does, for simple and other paths", () => {
  // The router is given a URL's pathname: percent-encoded already.
  const pathnames = [...INPUTS.map((input) => new URL(input, "http://plugin").pathname), ""];
  for (const path of PATHS) {
    const pattern = new URLPattern({ pathname: path });
    const compiled = compilePath(path);
    for (const input of pathnames) {
      const expected = pattern.exec({ pathname: input })?.pathname.groups;
      assert.deepEqual(
        compiled.exec(input),
        expected === undefined ? undefined : { ...expected },
        `${path} on ${input}`,
      );
    }
  }
});
