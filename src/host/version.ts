import manifest from "../../deno.json" with { type: "json" };

/** This host's version, from `deno.json`; plugins' `qntxVersion` constraints are checked against it. */
export const HOST_VERSION: string = manifest.version;
