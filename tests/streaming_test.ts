import assert from "node:assert/strict";
import { join } from "node:path";
import { HOST_TOKEN, listeningUrl, spawnHost, withToken } from "./_host_process.ts";
import { FIXTURES, startTestHost, type TestHost, waitForState } from "./_in_process_host.ts";

const GIB = 1024 ** 3;

async function withEcho(work: (test: TestHost, url: (path: string) => URL) => Promise<void>) {
  const test = await startTestHost(["echo"]);
  try {
    await waitForState(test.host.registry, "echo", "running");
    await work(test, (path) => new URL(path, test.host.url));
  } finally {
    await test.close();
  }
}

/** POSTs `size` bytes with a Content-Length over a plain connection; returns the answer's body. */
async function rawUpload(url: URL, size: number): Promise<string> {
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${size}\r\n` +
    `Authorization: Bearer ${HOST_TOKEN}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  const chunk = new Uint8Array(256 * 1024).fill(97);
  for (let sent = 0; sent < size; sent += chunk.byteLength) {
    const piece = chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
    let written = 0;
    while (written < piece.byteLength) written += await conn.write(piece.subarray(written));
  }
  const answer = await new Response(conn.readable).text();
  return answer.slice(answer.indexOf("\r\n\r\n") + 4);
}

/** Resident memory of a process, in bytes. */
function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

/** Samples the peak resident memory of `pid` while `work` runs. */
async function peakDuring(pid: number, work: () => Promise<void>): Promise<number> {
  let peak = rss(pid);
  const timer = setInterval(() => peak = Math.max(peak, rss(pid)), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rss(pid));
}

Deno.test("server-sent events from a plugin reach the client as they are produced", async () => {
  await withEcho(async (_test, url) => {
    const response = await fetch(url("/api/echo/events"));
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The first event arrives while the stream is still open: nothing waits for its end.
    assert.equal((await reader.read()).value, "data: first\n\n");
    await (await fetch(url("/api/echo/events/next"), { method: "POST", body: "second" })).body
      ?.cancel();
    assert.equal((await reader.read()).value, "data: second\n\n");
    await reader.cancel();
  });
});

Deno.test("a 1 GiB upload and a 1 GiB download stream through the host in bounded memory", async () => {
  // The host runs as its own process, so its memory is measured apart from this client's.
  const dir = await Deno.makeTempDir({ prefix: "qntx-stream-" });
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    `[plugin]\nenabled = ["echo"]\npaths = ["${FIXTURES}"]\n`,
  );
  const host = spawnHost({ cwd: dir });
  try {
    const base = await listeningUrl(host);
    await host.waitFor((line) => line.msg === 'plugin "echo" loading → running');
    const url = (path: string) => new URL(path, base);
    const pid = host.child.pid;
    // Warm up first (code compiled, buffers and pools made): what is measured is what a large
    // body adds, not what the first request of any size costs.
    await rawUpload(url("/api/echo/sink"), 32 * 1024 * 1024);
    await (await fetch(url(`/api/echo/source/${32 * 1024 * 1024}`), withToken())).arrayBuffer();
    const before = rss(pid);

    let uploaded = 0;
    const uploadPeak = await peakDuring(pid, async () => {
      uploaded = JSON.parse(await rawUpload(url("/api/echo/sink"), GIB)).bytes;
    });
    assert.equal(uploaded, GIB);

    let downloaded = 0;
    const downloadPeak = await peakDuring(pid, async () => {
      const response = await fetch(url(`/api/echo/source/${GIB}`), withToken());
      for await (const piece of response.body!) downloaded += piece.byteLength;
    });
    assert.equal(downloaded, GIB);
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const growth = Math.max(uploadPeak, downloadPeak) - before;
    console.log(
      `host memory growth: upload ${mib(uploadPeak - before)} MiB, download ${
        mib(downloadPeak - before)
      } MiB`,
    );
    assert.ok(
      growth < 64 * 1024 * 1024,
      `the host grew by ${mib(growth)} MiB (upload peak ${mib(uploadPeak - before)}, download ${
        mib(downloadPeak - before)
      })`,
    );
  } finally {
    host.child.kill("SIGTERM");
    await host.finished;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a WebSocket client that stops reading does not make the host buffer without bound", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qntx-slow-ws-" });
  await Deno.writeTextFile(
    join(dir, "am.toml"),
    `[plugin]\nenabled = ["echo"]\npaths = ["${FIXTURES}"]\n`,
  );
  const host = spawnHost({ cwd: dir });
  try {
    const base = await listeningUrl(host);
    await host.waitFor((line) => line.msg === 'plugin "echo" loading → running');
    const pid = host.child.pid;
    // Warm the relay up with a client that reads.
    const warm = new WebSocket(new URL("/echo-ws/flood?mb=8", base.href.replace("http", "ws")), {
      headers: withToken().headers,
    });
    let warmed = 0;
    await new Promise<void>((resolve) => {
      warm.onmessage = () => {
        if (++warmed === 8 * 16) {
          warm.close();
          resolve();
        }
      };
    });
    const before = rss(pid);
    // A client that upgrades, then never reads: the plugin would send 256 MiB.
    const conn = await Deno.connect({ hostname: base.hostname, port: Number(base.port) });
    await conn.write(new TextEncoder().encode(
      `GET /echo-ws/flood?mb=256 HTTP/1.1\r\nHost: ${base.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
        `Authorization: Bearer ${HOST_TOKEN}\r\n\r\n`,
    ));
    // Watch the host while the plugin pushes and nobody reads (the relay pauses the plugin).
    let peak = before;
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      peak = Math.max(peak, rss(pid));
    }
    conn.close();
    const growth = (peak - before) / 1024 / 1024;
    assert.ok(
      growth < 64,
      `the host grew by ${growth.toFixed(1)} MiB for a client that does not read`,
    );
    const health = await fetch(new URL("/healthz", base));
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    host.child.kill("SIGTERM");
    await host.finished;
    await Deno.remove(dir, { recursive: true });
  }
});
