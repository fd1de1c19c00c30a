import type { AttestationRecords, Cursor } from "../../ats/mod.ts";
import type { AttestationFilter } from "../../plugin/mod.ts";
import { HttpError } from "../http_error.ts";
import { json } from "../json.ts";
import { whole } from "../query.ts";
import type { Router } from "../router.ts";

const MAX_PAGE = 1000;

/** `<timestamp>.<seq>`, as `next` gave it. */
function readCursor(text: string | null): Cursor | undefined {
  if (text === null || text === "") return undefined;
  const match = /^(-?\d+)\.(\d+)$/.exec(text);
  if (!match) throw new HttpError(400, `cursor "${text}" is not one this API gave out`);
  return { timestamp: Number(match[1]), seq: Number(match[2]) };
}

/**
 * `GET /api/attestations?subject=…&predicate=…&context=…&actor=…&source=…&from=…&to=…&limit=…&cursor=…`:
 * a value may repeat (OR); different lists combine (AND); `from`/`to` are Unix milliseconds,
 * inclusive; newest first, `limit` per page (default 100), `next` is the cursor of the next page.
 */
export function attestationRoutes(router: Router, store: AttestationRecords): void {
  router.get("/api/attestations", async ({ url }) => {
    const query = url.searchParams;
    const filter: AttestationFilter = {
      subjects: query.getAll("subject"),
      predicates: query.getAll("predicate"),
      contexts: query.getAll("context"),
      actors: query.getAll("actor"),
      sources: query.getAll("source"),
      limit: whole("limit", query.get("limit"), 1, MAX_PAGE) ?? 100,
    };
    const from = whole("from", query.get("from"), 0, Number.MAX_SAFE_INTEGER);
    const to = whole("to", query.get("to"), 0, Number.MAX_SAFE_INTEGER);
    if (from !== undefined) filter.timeStart = from;
    if (to !== undefined) filter.timeEnd = to;
    const page = await store.query(filter, readCursor(query.get("cursor")));
    return json({
      attestations: page.attestations.map((a) => ({ ...a, signature: undefined })),
      next: page.next ? `${page.next.timestamp}.${page.next.seq}` : null,
    });
  });
}
