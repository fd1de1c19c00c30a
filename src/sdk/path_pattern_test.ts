import assert from "node:assert/strict";
import { compilePath, pathnameOf } from "./path_pattern.ts";

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

Deno.test("the path of a serialized URL is sliced out as URL would parse it", () => {
  for (
    const input of [
      "/",
      "/kib/x?y=1",
      "/a%20b/c#frag",
      "/x/../y",
      "/greet/a b?q=/z",
      "/p?#",
      "/q#a?b",
    ]
  ) {
    const href = new Request(`http://plugin${input}`).url;
    assert.equal(pathnameOf(href), new URL(href).pathname, input);
  }
  assert.equal(pathnameOf("http://[::1]:8080/v6/path?x"), "/v6/path");
});
