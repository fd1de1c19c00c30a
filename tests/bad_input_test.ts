import assert from "node:assert/strict";
import { startTestHost, waitForState } from "./_in_process_host.ts";

/** Writes raw bytes to the host and returns what it answered before closing (or the first read). */
async function raw(url: URL, bytes: Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    await conn.write(bytes);
    const reader = conn.readable.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return value ? new TextDecoder().decode(value) : "";
  } catch {
    return ""; // the host dropped the connection: also a fine answer to garbage
  }
}

Deno.test("garbage on the wire gets a clean refusal and the host keeps serving", async (t) => {
  const test = await startTestHost(["echo"]);
  const url = test.host.url;
  const healthy = async () => {
    const response = await fetch(new URL("/healthz", url));
    assert.equal(response.status, 200);
    await response.body?.cancel();
  };
  const text = (s: string) => new TextEncoder().encode(s);
  try {
    await waitForState(test.host.registry, "echo", "running");
    await t.step("a malformed request line", async () => {
      const answer = await raw(url, text("THIS IS NOT HTTP\r\n\r\n"));
      assert.ok(answer === "" || /^HTTP\/1\.1 4\d\d/.test(answer), answer);
      await healthy();
    });
    await t.step("a header block of a megabyte", async () => {
      const answer = await raw(
        url,
        text(`GET /api/echo/x HTTP/1.1\r\nHost: h\r\nX-Big: ${"a".repeat(1 << 20)}\r\n\r\n`),
      );
      assert.ok(answer === "" || /^HTTP\/1\.1 4\d\d/.test(answer), answer.slice(0, 100));
      await healthy();
    });
    await t.step("a method that is not a token, and a path with broken escapes", async () => {
      const answer = await raw(url, text("G(E)T /api/echo/%zz HTTP/1.1\r\nHost: h\r\n\r\n"));
      assert.ok(answer === "" || /^HTTP\/1\.1 4\d\d/.test(answer), answer);
      const escapes = await fetch(new URL("/api/echo/%zz%", url));
      assert.equal(escapes.status, 200);
      await escapes.body?.cancel();
      await healthy();
    });
    await t.step("invalid WebSocket frames after an upgrade", async () => {
      const upgrade =
        "GET /echo-ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
      const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
      await conn.write(text(upgrade));
      const reader = conn.readable.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /^HTTP\/1\.1 101/);
      // An unmasked frame with a reserved opcode and a length that lies.
      await conn.write(
        new Uint8Array([0xf3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      ).catch(() => {});
      while (
        !(await reader.read().catch(() => ({ done: true }))).done
      ) { /* until the host drops it */ }
      reader.releaseLock();
      try {
        conn.close();
      } catch { /* closed */ }
      await healthy();
      assert.equal(test.host.registry.getState("echo"), "running");
    });
  } finally {
    await test.close();
  }
});
