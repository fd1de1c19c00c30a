/** What a plugin says about itself; checked by the registry when it registers. */
export interface Metadata {
  /** Domain name, `[a-z0-9][a-z0-9-]*`; also the route prefix `/api/<name>`. */
  name: string;
  /** The plugin's own version, semver (`1.4.2`). */
  version: string;
  /** A semver constraint on the host's version (`^1.0.0`, `>=0.3.0 <2`); empty accepts any host. */
  qntxVersion: string;
  /** What the plugin does, in one line for operators. */
  description: string;
  /** Who wrote the plugin. */
  author: string;
  /** The plugin's license, such as `MIT`. */
  license: string;
}
