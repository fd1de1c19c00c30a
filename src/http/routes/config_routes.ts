import type { ConfigSchema } from "../../plugin/mod.ts";
import { nameProblem } from "../../registry/mod.ts";
import { HttpError } from "../http_error.ts";
import { json, readJsonObject } from "../json.ts";
import type { Router } from "../router.ts";

/** One plugin's configuration as the API shows it: secrets masked. */
export interface PluginConfigView {
  plugin: string;
  /** The file changes are written to. */
  file: string;
  values: Record<string, unknown>;
  schema: ConfigSchema;
  /** False until a process of the plugin has started and declared its schema. */
  schemaKnown: boolean;
}

/** The outcome of a change, as the API reports it. */
export type PluginConfigUpdate =
  | { ok: true; view: PluginConfigView; written: boolean; reinitialized: boolean }
  | { ok: false; errors: Record<string, string> };

/** What the configuration API needs from the host. */
export interface PluginConfigAdmin {
  view(name: string): PluginConfigView | undefined;
  update(
    name: string,
    changes: Record<string, unknown>,
    dryRun: boolean,
  ): Promise<PluginConfigUpdate>;
}

/**
 * `GET /api/plugins/<name>/config`: values and schema. `PUT` with `{"config": {key: value}}`
 * (null removes a key) validates against the plugin's schema and grants (400 with an error per
 * field, nothing written; an `env:NAME` value only for a variable granted to the plugin), writes
 * `am.toml` keeping its comments, and re-initializes the running plugin with the new values
 * without restarting it; `?dryRun=1` (or QNTX's `"validate": true`) validates only. A name no plugin can have (the host's
 * `server`, `plugin`, … tables) is 404 before anything is read.
 */
export function configRoutes(router: Router, admin: PluginConfigAdmin): void {
  const known = (name: string) => {
    // `server`, `plugin`, …: the host's own tables of am.toml are not plugin configuration.
    const reserved = nameProblem(name);
    if (reserved) {
      throw new HttpError(
        404,
        `"${name}" is not a plugin's configuration: ${reserved}; this API changes plugin ` +
          `tables only (edit am.toml for the host's own settings)`,
      );
    }
    const view = admin.view(name);
    if (!view) throw new HttpError(404, `plugin "${name}" is not registered`);
    return view;
  };
  router.get("/api/plugins/:name/config", ({ params }) => json(known(params.name!)));
  router.add("PUT", "/api/plugins/:name/config", async ({ params, url, request }) => {
    const name = params.name!;
    known(name);
    const body = await readJsonObject(request);
    const extra = Object.keys(body).filter((key) => key !== "config" && key !== "validate");
    if (extra.length > 0) {
      throw new HttpError(
        400,
        `unknown field "${extra[0]}"; the body is {"config": {key: value}} ` +
          `(with "validate": true to check only, as QNTX's console sends)`,
      );
    }
    if (body.validate !== undefined && typeof body.validate !== "boolean") {
      throw new HttpError(400, `"validate" must be true or false`);
    }
    const changes = body.config;
    if (typeof changes !== "object" || changes === null || Array.isArray(changes)) {
      throw new HttpError(
        400,
        `"config" must be an object of settings, e.g. {"config": {"threads": 4}}`,
      );
    }
    const dry = url.searchParams.get("dryRun");
    const dryRun = body.validate === true || (dry !== null && dry !== "0" && dry !== "false");
    const result = await admin.update(name, changes as Record<string, unknown>, dryRun);
    if (!result.ok) {
      const count = Object.keys(result.errors).length;
      throw new HttpError(
        400,
        `the configuration of plugin "${name}" has ${count} problem${
          count === 1 ? "" : "s"
        }; nothing was written`,
        { errors: result.errors },
      );
    }
    return json({
      ...result.view,
      dryRun,
      written: result.written,
      reinitialized: result.reinitialized,
    });
  });
}
