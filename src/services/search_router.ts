import type { Logger } from "../plugin/mod.ts";
import type { search } from "../protocol/mod.ts";
import type { SearchProvider, SearchProviders } from "./search_service.ts";

/** What the router asks of the host: the operator's choice and a plugin's state, both live. */
export interface SearchRouterOptions {
  /** `[plugin] search_provider`: the one plugin allowed to serve search; empty for the first. */
  chosen(): string;
  state(plugin: string): string | undefined;
}

/**
 * Which plugin serves QNTX's search role. A launch that declares `search_provider` offers
 * itself after Initialize and withdraws when its process goes or it stops declaring it. The
 * role sees every plugin's documents and queries, so a plugin does not take it from another:
 * the operator names the provider (`[plugin] search_provider`), or the first offer holds it.
 * Calls reach it only while it runs (not while paused or restarting).
 */
export class SearchRouter implements SearchProviders {
  #provider?: SearchProvider;

  constructor(private readonly logger: Logger, private readonly options: SearchRouterOptions) {}

  current(): SearchProvider | undefined {
    const provider = this.#provider;
    return provider && this.options.state(provider.plugin) === "running" ? provider : undefined;
  }

  unavailable(): string {
    const provider = this.#provider;
    if (provider) {
      return `search provider "${provider.plugin}" is ${this.options.state(provider.plugin)}`;
    }
    const chosen = this.options.chosen();
    return chosen
      ? `no search provider: plugin "${chosen}" ([plugin] search_provider) does not serve now`
      : "no search provider: enable a plugin that declares search_provider in Initialize";
  }

  offer(plugin: string, client: search.SearchServiceClient): void {
    const chosen = this.options.chosen();
    const holder = this.#provider?.plugin;
    const refused = chosen !== "" && plugin !== chosen
      ? `[plugin] search_provider names "${chosen}"`
      : chosen === "" && holder !== undefined && holder !== plugin
      ? `plugin "${holder}" serves search; name the one you want in [plugin] search_provider`
      : undefined;
    if (refused) {
      this.logger.warn(
        `plugin "${plugin}" declares search_provider, refused: ${refused}`,
        { plugin },
      );
      return;
    }
    if (holder !== plugin) {
      this.logger.info(`plugin "${plugin}" serves search for the other plugins`, { plugin });
    }
    this.#provider = { plugin, client };
  }

  /** The plugin's launch with `client` no longer serves search (a newer launch may already). */
  withdraw(plugin: string, client?: search.SearchServiceClient): void {
    const now = this.#provider;
    if (!now || now.plugin !== plugin || (client && now.client !== client)) return;
    this.#provider = undefined;
    this.logger.info(`plugin "${plugin}" no longer serves search`, { plugin });
  }

  /** The roles held now, for operators: `[{ role: "search", plugin }]`. */
  roles(): { role: string; plugin: string }[] {
    return this.#provider ? [{ role: "search", plugin: this.#provider.plugin }] : [];
  }
}
