import assert from "node:assert/strict";
import { HttpError, intParam, problem, readJsonObject, readText } from "./http.ts";
import { SequenceFormatError } from "./fasta.ts";

Deno.test("problem() answers problem+json with the status each error deserves", async (t) => {
  const table: [unknown, number][] = [
    [new HttpError(404, "no sample x"), 404],
    [new SequenceFormatError("line 2: bad"), 400],
    [new RangeError("k must be"), 400],
    [new Error("boom"), 500],
  ];
  for (const [error, status] of table) {
    await t.step(`${(error as Error).name} is ${status}`, async () => {
      const response = problem(error);
      assert.equal(response.status, status);
      assert.equal(response.headers.get("content-type"), "application/problem+json");
      assert.equal((await response.json()).detail, (error as Error).message);
    });
  }
});

Deno.test("readText() refuses bodies over the limit, declared or streamed", async () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://x/", { method: "POST", body, headers });
  assert.equal(await readText(post("ACGT"), 4), "ACGT");
  await assert.rejects(
    () => readText(post("ACGTA"), 4),
    (error: HttpError) => error.status === 413,
  );
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(4).fill(65));
      controller.close();
    },
  });
  await assert.rejects(() => readText(post(stream), 8), /over max_upload_bytes \(8 bytes\)/);
  await assert.rejects(() => readJsonObject(post("[1]"), 100), /must be a JSON object/);
  await assert.rejects(() => readJsonObject(post("{no"), 100), /not JSON/);
});

Deno.test("intParam() reads integers and names a bad one", () => {
  const url = new URL("http://x/?k=5&bad=2.5&neg=-3");
  assert.equal(intParam(url, "k", 3), 5);
  assert.equal(intParam(url, "missing", 3), 3);
  assert.equal(intParam(url, "neg", 3), -3);
  assert.throws(() => intParam(url, "bad", 3), /bad must be an integer, got "2.5"/);
});
