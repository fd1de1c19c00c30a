/** The checks of a plugin's first calls, as QNTX's host makes them: Metadata, ConfigSchema, Initialize, RegisterGlyphs. */
import { callUnary, CAPABILITIES, domain, isUnimplemented } from "../protocol/mod.ts";
import { compatibilityProblem, reasonOf, versionProblem } from "../registry/mod.ts";
import { glyphProblem, providerProblem } from "../supervisor/mod.ts";
import type { ConformanceHost } from "./conformance_host.ts";
import type { Findings } from "./findings.ts";
import { timed } from "./timed.ts";

/** The host's deadlines for these calls (its defaults in `[plugin]`). */
export const CALL_MS = 10_000;
export const INITIALIZE_MS = 30_000;

const KNOWN_CAPABILITIES = new Set<string>(Object.values(CAPABILITIES));
const FIELD_TYPES = new Set(["string", "number", "boolean", "array"]);
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*"]);

/** `Metadata`: who answers. Undefined when the plugin cannot say (the run stops there). */
export async function checkMetadata(
  client: domain.DomainPluginServiceClient,
  expected: string,
  hostVersion: string,
  findings: Findings,
): Promise<domain.MetadataResponse | undefined> {
  const step = "metadata";
  let metadata: domain.MetadataResponse;
  let ms: number;
  try {
    [metadata, ms] = await timed(() => callUnary(client.metadata.bind(client), {}, CALL_MS));
  } catch (error) {
    findings.fail(step, `Metadata failed: ${reasonOf(error)}`);
    return undefined;
  }
  findings.check(
    step,
    metadata.name === expected ? undefined : `Metadata says the name is "${metadata.name}"; ` +
      `the host enables it as "${expected}" and refuses a process that says otherwise`,
    `name "${metadata.name}" (${ms} ms)`,
  );
  findings.check(step, versionProblem(expected, metadata.version), `version ${metadata.version}`);
  const compatibility = compatibilityProblem(expected, metadata.qntxVersion, hostVersion);
  if (compatibility?.kind === "invalid") findings.fail(step, compatibility.message);
  else if (compatibility) findings.warn(step, compatibility.message);
  else {
    findings.pass(
      step,
      metadata.qntxVersion === ""
        ? "no qntx_version constraint (runs on any host)"
        : `qntx_version "${metadata.qntxVersion}" admits this host (${hostVersion})`,
    );
  }
  const unknown = metadata.capabilities.filter((capability) => !KNOWN_CAPABILITIES.has(capability));
  if (unknown.length > 0) {
    findings.warn(
      step,
      `unknown capabilities ${unknown.join(", ")} are ignored; known: ${
        [...KNOWN_CAPABILITIES].join(", ")
      }`,
    );
  }
  return metadata;
}

/** `ConfigSchema`: optional for a QNTX plugin, required once `config_schema` is declared. */
export async function checkConfigSchema(
  client: domain.DomainPluginServiceClient,
  metadata: domain.MetadataResponse,
  findings: Findings,
): Promise<Record<string, string>> {
  const step = "config schema";
  const declared = metadata.capabilities.includes(CAPABILITIES.configSchema);
  let schema: domain.ConfigSchemaResponse;
  try {
    schema = await callUnary(client.configSchema.bind(client), {}, CALL_MS);
  } catch (error) {
    if (isUnimplemented(error) && !declared) {
      findings.skip(step, "ConfigSchema is UNIMPLEMENTED: the plugin takes no settings");
    } else findings.fail(step, `ConfigSchema failed: ${reasonOf(error)}`);
    return {};
  }
  const defaults: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, field] of Object.entries(schema.fields)) {
    if (!FIELD_TYPES.has(field.type)) {
      problems.push(`"${key}" has type "${field.type}"; the host knows ${[...FIELD_TYPES]}`);
    }
    for (const [bound, text] of [["min_value", field.minValue], ["max_value", field.maxValue]]) {
      if (text !== "" && !Number.isFinite(Number(text))) {
        problems.push(`"${key}" ${bound} "${text}" is not a number`);
      }
    }
    if (field.pattern !== "") {
      try {
        new RegExp(field.pattern);
      } catch {
        problems.push(`"${key}" pattern "${field.pattern}" is not a regular expression`);
      }
    }
    if (field.defaultValue !== "") defaults[key] = field.defaultValue;
  }
  if (problems.length > 0) findings.fail(step, problems.join("; "));
  else findings.pass(step, `${Object.keys(schema.fields).length} settings, each well formed`);
  return defaults;
}

/** `Initialize` with the host's service endpoints; checks what the plugin declares back. */
export async function checkInitialize(
  client: domain.DomainPluginServiceClient,
  host: ConformanceHost,
  config: Record<string, string>,
  findings: Findings,
): Promise<domain.InitializeResponse | undefined> {
  const step = "initialize";
  let answer: domain.InitializeResponse;
  let ms: number;
  try {
    [answer, ms] = await timed(() =>
      callUnary(client.initialize.bind(client), host.initializeRequest(config), INITIALIZE_MS)
    );
  } catch (error) {
    findings.fail(step, `Initialize failed: ${reasonOf(error)}`);
    return undefined;
  }
  findings.pass(
    step,
    `answered in ${ms} ms: ${answer.handlerNames.length} job handlers, ${answer.schedules.length} ` +
      `schedules, ${answer.watchers.length} watchers, ${answer.httpRoutes.length} routes`,
  );
  const handlers = answer.handlerNames;
  const bad = handlers.filter((name) => !/^[A-Za-z0-9._-]{1,128}$/.test(name));
  const twice = handlers.filter((name, i) => handlers.indexOf(name) !== i);
  if (bad.length > 0 || twice.length > 0) {
    findings.fail(
      step,
      [
        bad.length > 0
          ? `handler names ${bad.map((n) => `"${n}"`)} are not 1 to 128 ` +
            "letters, digits, ., _ or -"
          : "",
        twice.length > 0 ? `handlers declared twice: ${twice.join(", ")}` : "",
      ].filter(Boolean).join("; "),
    );
  }
  const roles = providerProblem(answer);
  if (roles) {
    findings.warn(step, `${roles.replace(/^it /, "the plugin ")}: it fails under this host`);
  }
  if (answer.searchProvider) {
    findings.pass(step, "declares search_provider: serves search to the other plugins");
  }
  const refused = [...host.declare(answer), ...routeProblems(answer.httpRoutes)];
  findings.check(
    step,
    refused.length > 0 ? `the host refuses: ${refused.join("; ")}` : undefined,
    "schedules, watchers and routes are all accepted",
  );
  return answer;
}

function routeProblems(routes: readonly domain.RouteInfo[]): string[] {
  return routes.flatMap((route) => {
    const method = route.method.toUpperCase();
    if (!METHODS.has(method)) return [`route method "${route.method}" is not an HTTP method`];
    if (!route.path.startsWith("/")) return [`route path "${route.path}" must start with /`];
    return [];
  });
}

/** `RegisterGlyphs` (QNTX's, optional): each glyph's paths stay under the plugin's routes. */
export async function checkGlyphs(
  client: domain.DomainPluginServiceClient,
  findings: Findings,
): Promise<void> {
  const step = "glyphs";
  let answer: domain.GlyphDefResponse;
  try {
    answer = await callUnary(client.registerGlyphs.bind(client), {}, CALL_MS);
  } catch (error) {
    if (isUnimplemented(error)) findings.skip(step, "RegisterGlyphs is UNIMPLEMENTED: no glyphs");
    else findings.fail(step, `RegisterGlyphs failed: ${reasonOf(error)}`);
    return;
  }
  const problems = answer.glyphs.map(glyphProblem).filter((problem) => problem !== undefined);
  findings.check(
    step,
    problems.length > 0 ? problems.join("; ") : undefined,
    `${answer.glyphs.length} glyphs, each shown as declared`,
  );
}

/**
 * A second `Initialize` (`reconfigure = true`), which the host sends only to a plugin that lists
 * the `reconfigure` capability: it must answer, declaring the same handlers.
 */
export async function checkReconfigure(
  client: domain.DomainPluginServiceClient,
  metadata: domain.MetadataResponse,
  request: domain.InitializeRequest,
  first: domain.InitializeResponse,
  findings: Findings,
): Promise<void> {
  const step = "reconfigure";
  if (!metadata.capabilities.includes(CAPABILITIES.reconfigure)) {
    findings.skip(step, "no reconfigure capability: new settings take a restart (as under QNTX)");
    return;
  }
  try {
    const [again, ms] = await timed(() =>
      callUnary(client.initialize.bind(client), { ...request, reconfigure: true }, INITIALIZE_MS)
    );
    const same = JSON.stringify([...again.handlerNames].sort()) ===
      JSON.stringify([...first.handlerNames].sort());
    findings.check(
      step,
      same ? undefined : `a reconfigure changed the job handlers from ` +
        `${first.handlerNames.join(", ") || "none"} to ${again.handlerNames.join(", ") || "none"}`,
      `a second Initialize (reconfigure = true) answered in ${ms} ms`,
    );
  } catch (error) {
    findings.fail(step, `a second Initialize (reconfigure = true) failed: ${reasonOf(error)}`);
  }
}
