/**
 * The biotech glyph (QNTX's RegisterGlyphs): a table of the sample sequences and their GC
 * content, which the console draws in a sandboxed frame. Its module is `glyph/sequences.js`,
 * served from this plugin's own folder.
 */
import type { GlyphDeclaration, Route } from "../../src/sdk/mod.ts";

const MODULE = new URL("./glyph/sequences.js", import.meta.url);

export const GLYPHS: GlyphDeclaration[] = [{
  symbol: "🧬",
  title: "Sequences",
  label: "GC content of each sample sequence",
  modulePath: "/glyph/sequences.js",
  defaultWidth: 560,
  defaultHeight: 360,
}];

export const glyphRoutes: Route[] = [{
  method: "GET",
  path: "/glyph/sequences.js",
  description: "The module of the Sequences glyph",
  handler: async () =>
    new Response(await Deno.readTextFile(MODULE), {
      headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" },
    }),
}];
