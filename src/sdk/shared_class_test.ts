import assert from "node:assert/strict";
import { HttpError } from "./request_body.ts";
import { RetryableError } from "./definition.ts";

Deno.test("an SDK error from a second copy of its module is still that error; subclasses test as usual", async () => {
  // A second instance of each module, as a plugin holds beside the SDK's bundle.
  const copy = await import(`./request_body.ts?copy`) as typeof import("./request_body.ts");
  const definitions = await import(`./definition.ts?copy`) as typeof import("./definition.ts");
  assert.notEqual(copy.HttpError, HttpError);
  assert.ok(new copy.HttpError(418, "teapot") instanceof HttpError);
  assert.ok(new HttpError(404, "gone") instanceof copy.HttpError);
  assert.ok(new definitions.RetryableError("later") instanceof RetryableError);
  assert.ok(!(new Error("plain") instanceof HttpError));
  assert.ok(!(new RetryableError("later") instanceof HttpError));
  assert.ok(!({ status: 400 } instanceof HttpError));

  class NotFound extends HttpError {
    constructor(what: string) {
      super(404, `${what} was not found`);
    }
  }
  assert.ok(new NotFound("x") instanceof HttpError);
  assert.ok(new NotFound("x") instanceof NotFound);
  assert.ok(!(new HttpError(404, "x") instanceof NotFound));
  assert.equal(new RetryableError("later", { cause: 1 }).cause, 1);
});
