import { concatBytes } from "../protocol/mod.ts";
import { ArchiveError } from "./archive.ts";

/** How an archive is fetched: a size cap, a few redirects, a deadline. */
export interface FetchLimits {
  maxBytes: number;
  maxRedirects: number;
  timeoutMs: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  maxBytes: 256 << 20,
  maxRedirects: 3,
  timeoutMs: 60_000,
};

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Why `url` may not be fetched from: https only; plain http on loopback alone (tests), and only
 * when the address first given was such a one (an https server cannot redirect there).
 */
export function urlProblem(url: URL, first: URL = url): string | undefined {
  if (url.protocol === "https:") return undefined;
  const local = (at: URL) => at.protocol === "http:" && LOOPBACK.has(at.hostname);
  if (local(url) && local(first)) return undefined;
  return `${url.href} is refused: archives come over https only (http on loopback alone, and ` +
    "never by a redirect from elsewhere)";
}

/** Where a signature published beside an archive is: its path with `.sig` added. */
export function signatureUrl(address: string): string {
  const url = new URL(address);
  url.pathname += ".sig";
  return url.href;
}

/**
 * Fetches an archive (or its signature) from `address`: every hop checked by `urlProblem`, at
 * most `maxRedirects` of them, the body read up to `maxBytes` (a longer one is cut off and
 * refused), all within `timeoutMs`. Undefined for a 403, 404 or 410 when `optional` (no `.sig`).
 */
export async function fetchArchive(
  address: string,
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
  optional = false,
): Promise<Uint8Array | undefined> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ArchiveError(`"${address.slice(0, 200)}" is not a URL`);
  }
  const first = url;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  for (let hop = 0;; hop++) {
    const problem = urlProblem(url, first);
    if (problem) throw new ArchiveError(problem);
    let response: Response;
    try {
      response = await fetch(url, { redirect: "manual", signal });
    } catch (error) {
      throw new ArchiveError(`${url.href} could not be fetched: ${(error as Error).message}`);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
      await response.body?.cancel();
      if (hop >= limits.maxRedirects) {
        throw new ArchiveError(`${address} redirects more than ${limits.maxRedirects} times`);
      }
      url = new URL(response.headers.get("location")!, url);
      continue;
    }
    // No signature published there (private buckets answer 403 for what is not there).
    if (optional && [403, 404, 410].includes(response.status)) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new ArchiveError(`${url.href} answered ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > limits.maxBytes) {
      await response.body.cancel();
      throw new ArchiveError(`${url.href} is ${declared} bytes, over the ${limits.maxBytes} cap`);
    }
    try {
      return await readCapped(response.body, limits.maxBytes, url.href);
    } catch (error) {
      if (error instanceof ArchiveError) throw error;
      throw new ArchiveError(`${url.href} could not be read: ${(error as Error).message}`);
    }
  }
}

async function readCapped(
  body: ReadableStream<Uint8Array>,
  max: number,
  what: string,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) throw new ArchiveError(`${what} is over the ${max} byte cap`);
    chunks.push(chunk);
  }
  return concatBytes(chunks);
}
