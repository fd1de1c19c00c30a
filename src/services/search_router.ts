import type { Logger } from "../plugin/mod.ts";
import type { search } from "../protocol/mod.ts";
import type { SearchProvider, SearchProviders } from "./search_service.ts";

/**
 * Which plugin serves QNTX's search role. A launch that declares `search_provider` offers
 * itself after Initialize; it withdraws when its process goes or it stops declaring it. As in
 * QNTX, the last offer wins; the operator is told when one provider replaces another.
 */
export class SearchRouter implements SearchProviders {
  #provider?: SearchProvider;

  constructor(private readonly logger: Logger) {}

  current(): SearchProvider | undefined {
    return this.#provider;
  }

  offer(plugin: string, client: search.SearchServiceClient): void {
    const before = this.#provider;
    if (before && before.plugin !== plugin) {
      this.logger.warn(
        `plugin "${plugin}" declares search_provider while plugin "${before.plugin}" serves ` +
          `search; "${plugin}" serves it now (enable one search provider only)`,
        { plugin },
      );
    } else if (!before) {
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

  /** The roles served now, for operators: `[{ role: "search", plugin }]`. */
  roles(): { role: string; plugin: string }[] {
    return this.#provider ? [{ role: "search", plugin: this.#provider.plugin }] : [];
  }
}
