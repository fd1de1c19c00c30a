import assert from "node:assert/strict";
import { signatureUrl, urlProblem } from "./fetch_archive.ts";

Deno.test("urlProblem() takes https, and plain http only on loopback and never by a redirect", () => {
  const url = (text: string) => new URL(text);
  assert.equal(urlProblem(url("https://example.com/a.tar.gz")), undefined);
  assert.equal(urlProblem(url("http://127.0.0.1:8000/a.tar.gz")), undefined);
  assert.equal(urlProblem(url("http://[::1]/a.tar.gz")), undefined);
  for (const refused of ["http://example.com/a", "ftp://example.com/a", "file:///etc/passwd"]) {
    assert.match(urlProblem(url(refused))!, /https only/, refused);
  }
  // An https server answering with a redirect to a local service: refused.
  assert.match(
    urlProblem(url("http://127.0.0.1:6379/"), url("https://example.com/a.tar.gz"))!,
    /never by a redirect from elsewhere/,
  );
  assert.equal(urlProblem(url("https://cdn.example.com/a"), url("http://localhost/a")), undefined);
});

Deno.test("signatureUrl() adds .sig to the path, keeping a query (presigned links)", () => {
  assert.equal(
    signatureUrl("https://bucket.example.com/p/hello.tar.gz?X-Sig=abc&e=1"),
    "https://bucket.example.com/p/hello.tar.gz.sig?X-Sig=abc&e=1",
  );
});
