/**
 * A route's path compiled once. Paths made of literal segments and `:name` parameters (nearly
 * every route) become one regular expression, matched without URLPattern's per-call parsing of
 * its input (a large share of a small request's cost); any other URLPattern syntax (`*`,
 * groups, modifiers, regular expressions) keeps URLPattern itself. Both answer the same.
 */
export interface PathPattern {
  /** The parameters of a matching path, or undefined when it does not match. */
  exec(pathname: string): Record<string, string | undefined> | undefined;
}

const SIMPLE = /^(\/([A-Za-z0-9._~-]+|:[A-Za-z_][A-Za-z0-9_]*))*\/?$/;

export function compilePath(path: string): PathPattern {
  if (!SIMPLE.test(path) || path === "") {
    const pattern = new URLPattern({ pathname: path });
    return { exec: (pathname) => pattern.exec({ pathname })?.pathname.groups };
  }
  const names: string[] = [];
  const source = path.split("/").map((segment) => {
    if (!segment.startsWith(":")) return segment.replace(/[.]/g, "\\.");
    names.push(segment.slice(1));
    return "([^/]+?)";
  }).join("/");
  const regex = new RegExp(`^${source}$`);
  return {
    exec(pathname) {
      const found = regex.exec(pathname);
      if (!found) return undefined;
      const params: Record<string, string | undefined> = {};
      for (let i = 0; i < names.length; i++) params[names[i]!] = found[i + 1];
      return params;
    },
  };
}

/**
 * The path of a URL the `Request` constructor has parsed and serialized already: a slice of it,
 * not a second parse (a fifth of a small request's cost in the plugin).
 */
export function pathnameOf(href: string): string {
  const start = href.indexOf("/", href.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = href.length;
  for (const mark of ["?", "#"]) {
    const at = href.indexOf(mark, start);
    if (at >= 0 && at < end) end = at;
  }
  return href.slice(start, end);
}
