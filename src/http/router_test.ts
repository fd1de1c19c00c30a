import assert from "node:assert/strict";
import { HttpError } from "./http_error.ts";
import { Router } from "./router.ts";

const ok = (label: string) => () => new Response(label);

function matchError(router: Router, method: string, path: string): HttpError {
  try {
    router.match(method, new URL(`http://host${path}`));
  } catch (error) {
    assert.ok(error instanceof HttpError);
    return error;
  }
  assert.fail(`${method} ${path} matched`);
}

Deno.test("Router matches static paths and URLPattern paths with their parameters", async () => {
  const router = new Router()
    .get("/healthz", ok("health"))
    .get("/api/plugins/:name", ok("one"))
    .post("/api/plugins/:name/pause", ok("pause"));
  const health = router.match("GET", new URL("http://host/healthz"));
  assert.equal(await (await health.handler({} as never)).text(), "health");
  const one = router.match("GET", new URL("http://host/api/plugins/code?x=1"));
  assert.deepEqual(one.params, { name: "code" });
  const pause = router.match("POST", new URL("http://host/api/plugins/bio-tech/pause"));
  assert.deepEqual(pause.params, { name: "bio-tech" });
});

Deno.test("Router tells an unknown path (404) from a wrong method (405 with Allow)", () => {
  const router = new Router().get("/healthz", ok("h")).add(
    "PUT",
    "/api/plugins/:name/config",
    ok("c"),
  )
    .get("/api/plugins/:name/config", ok("g"));
  assert.equal(matchError(router, "GET", "/nope").status, 404);
  const wrong = matchError(router, "DELETE", "/healthz");
  assert.equal(wrong.status, 405);
  assert.deepEqual(wrong.headers, { allow: "GET" });
  const pattern = matchError(router, "POST", "/api/plugins/x/config");
  assert.equal(pattern.status, 405);
  assert.deepEqual(pattern.headers, { allow: "PUT, GET" });
});

Deno.test("Router answers HEAD with the GET handler", () => {
  const router = new Router().get("/healthz", ok("h"));
  assert.ok(router.match("HEAD", new URL("http://host/healthz")).handler);
});
