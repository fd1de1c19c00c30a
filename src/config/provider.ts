import type { ConfigProvider, Logger } from "../plugin/mod.ts";
import type { HostConfig } from "./host_config.ts";
import { PluginConfig } from "../plugin/mod.ts";

/**
 * Gives each domain its table of the host's configuration. The same domain gets the same
 * {@link PluginConfig} each time, so run-time `set` values persist until the file is reloaded.
 */
export class HostConfigProvider implements ConfigProvider {
  readonly #configs = new Map<string, PluginConfig>();

  constructor(readonly hostConfig: HostConfig, readonly logger?: Logger) {}

  getPluginConfig(domain: string): PluginConfig {
    let config = this.#configs.get(domain);
    if (!config) {
      config = new PluginConfig(domain, this.hostConfig.plugins[domain] ?? {}, this.logger);
      this.#configs.set(domain, config);
    }
    return config;
  }
}
