import type { Logger } from "../plugin/mod.ts";
import { type domain, isUnimplemented } from "../protocol/mod.ts";
import { reasonOf } from "../registry/mod.ts";
import type { PluginConnection } from "./plugin_connection.ts";

/** A glyph type a plugin adds to the UI, its paths under `/api/<plugin>/`. */
export type Glyph = domain.GlyphDef;

const MAX_GLYPHS = 32;
const PATH = /^[A-Za-z0-9_.~-][A-Za-z0-9_./~-]{0,255}$/;

/** Why a declared glyph cannot be shown, or undefined when it can. */
export function glyphProblem(glyph: Glyph): string | undefined {
  if (glyph.symbol.length === 0 || [...glyph.symbol].length > 8) {
    return `glyph symbol "${glyph.symbol.slice(0, 16)}" must be 1 to 8 characters`;
  }
  if (glyph.title.length === 0 || glyph.title.length > 128) {
    return `glyph "${glyph.symbol}": title must be 1 to 128 characters`;
  }
  if (glyph.label.length > 64) return `glyph "${glyph.symbol}": label is over 64 characters`;
  for (
    const [field, path] of [
      ["content_path", glyph.contentPath],
      ["css_path", glyph.cssPath],
      ["module_path", glyph.modulePath],
    ] as const
  ) {
    const bare = path.replace(/^\//, "");
    if (bare !== "" && (!PATH.test(bare) || bare.split("/").includes(".."))) {
      return `glyph "${glyph.symbol}": ${field} "${path.slice(0, 64)}" must be a path under ` +
        "the plugin's routes (letters, digits, _ . ~ - and /, no ..)";
    }
  }
  if (glyph.contentPath === "" && glyph.modulePath === "") {
    return `glyph "${glyph.symbol}" has neither content_path nor module_path`;
  }
  for (const size of [glyph.defaultWidth, glyph.defaultHeight]) {
    if (!Number.isInteger(size) || size < 0 || size > 10_000) {
      return `glyph "${glyph.symbol}": default sizes must be 0 to 10000 pixels`;
    }
  }
  return undefined;
}

/**
 * Asks a launch for its glyph types (QNTX's `RegisterGlyphs`, after `Initialize`): those that
 * pass {@link glyphProblem}, at most 32. A plugin without the RPC has none; one that fails
 * to answer has none this launch, and the operator is told why.
 */
export async function registeredGlyphs(
  connection: PluginConnection,
  deadlineMs: number,
  logger: Logger,
): Promise<Glyph[]> {
  const name = connection.name;
  let answer: domain.GlyphDefResponse;
  try {
    answer = await connection.call("registerGlyphs", {}, deadlineMs);
  } catch (error) {
    if (!isUnimplemented(error)) {
      logger.warn(`plugin "${name}" did not list its glyphs: ${reasonOf(error)}`, {
        plugin: name,
      });
    }
    return [];
  }
  const taken: Glyph[] = [];
  for (const glyph of answer.glyphs) {
    const problem = glyphProblem(glyph) ??
      (taken.length >= MAX_GLYPHS ? `more than ${MAX_GLYPHS} glyphs` : undefined);
    if (problem) {
      logger.warn(`plugin "${name}" declared a glyph the host refused: ${problem}`, {
        plugin: name,
      });
    } else taken.push(glyph);
  }
  return taken;
}
