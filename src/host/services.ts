import type { DatabaseSync } from "node:sqlite";
import { domainLoggerName } from "../log/mod.ts";
import type {
  AttestationStore,
  Config,
  ConfigProvider,
  Logger,
  QueueService,
  ServiceRegistry,
} from "../plugin/mod.ts";
import type { Registry } from "../registry/mod.ts";

export interface HostServicesDeps {
  db: DatabaseSync;
  /** The host's root logger; each domain gets a logger named after it. */
  logger: Logger;
  configs: ConfigProvider;
  registry: Registry;
  atsStore?: AttestationStore;
  queue?: QueueService;
}

/** The host's services as handed to in-process plugins in `initialize`. */
export class HostServices implements ServiceRegistry {
  constructor(readonly deps: HostServicesDeps) {}

  database(): DatabaseSync {
    return this.deps.db;
  }

  /** A logger named `<domain> v<version>`, every line tagged with the plugin's name. */
  logger(domain: string): Logger {
    const version = this.deps.registry.snapshot(domain)?.metadata?.version ?? "unknown";
    return this.deps.logger.named(domainLoggerName(domain, version)).with({ plugin: domain });
  }

  config(domain: string): Config {
    return this.deps.configs.getPluginConfig(domain);
  }

  atsStore(): AttestationStore {
    return this.deps.atsStore ?? unavailable("attestation store");
  }

  queue(): QueueService {
    return this.deps.queue ?? unavailable("job queue");
  }
}

function unavailable(service: string): never {
  throw new Error(`the ${service} is not configured on this host`);
}
