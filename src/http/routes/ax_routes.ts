import { PluginCallError } from "../../plugin/mod.ts";
import { type domain, isUnimplemented } from "../../protocol/mod.ts";
import type { Registry } from "../../registry/mod.ts";
import { HttpError } from "../http_error.ts";
import { json, readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";

/** QNTX's Ax query parser, which a plugin provides (`ParseAxQuery`). */
export interface AxParser {
  /** The plugin that parses: `[plugin] ax_parser`, live. */
  plugin(): string;
  parse(plugin: string, query: string, deadlineMs: number): Promise<domain.ParseAxQueryResponse>;
}

const MAX_QUERY = 8 * 1024;
const DEADLINE_MS = 5_000;

/**
 * `POST /api/ax/parse` with `{"query": "…"}`: the query's syntax tree, from the plugin that
 * parses Ax (QNTX's host asks its `kern` plugin the same way). 422 when the query does not
 * parse, 503 when no such plugin runs, 501 when it does not implement `ParseAxQuery`.
 */
export function axRoutes(router: Router, parser: AxParser, registry: Registry): void {
  router.post("/api/ax/parse", async ({ request }) => {
    const body = await readJsonObject(request, MAX_QUERY + 1024);
    const query = body.query;
    if (typeof query !== "string" || query.trim() === "") {
      throw new HttpError(400, `"query" is required: the Ax query as a string`);
    }
    if (query.length > MAX_QUERY) {
      throw new HttpError(400, `"query" is ${query.length} characters; at most ${MAX_QUERY}`);
    }
    const plugin = parser.plugin();
    const state = registry.getState(plugin);
    if (state !== "running") {
      throw new HttpError(
        503,
        `no Ax parser: plugin "${plugin}" ${state ? `is ${state}` : "is not enabled"}; enable ` +
          "the plugin that parses Ax queries, or name it in [plugin] ax_parser",
        { headers: { "retry-after": "5" } },
      );
    }
    let answer: domain.ParseAxQueryResponse;
    try {
      answer = await parser.parse(plugin, query, DEADLINE_MS);
    } catch (error) {
      if (error instanceof PluginCallError && isUnimplemented(error.cause)) {
        throw new HttpError(501, `plugin "${plugin}" does not implement ParseAxQuery`);
      }
      throw error;
    }
    if (answer.error !== "") throw new HttpError(422, answer.error, { plugin });
    let result: unknown;
    try {
      result = JSON.parse(new TextDecoder().decode(answer.result));
    } catch {
      throw new HttpError(
        502,
        `plugin "${plugin}" answered ParseAxQuery with a result that is not JSON`,
      );
    }
    return json({ plugin, result });
  });
}
