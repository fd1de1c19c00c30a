import type { DatabaseSync } from "node:sqlite";
import type { AttestationStore } from "./attestation.ts";
import type { Config } from "./config.ts";
import type { QueueService } from "./job.ts";
import type { Logger } from "./logger.ts";

/** The host's services, as handed to a plugin in `initialize`. */
export interface ServiceRegistry {
  /** The host's SQLite handle. Only in-process plugins get it; plugin processes never do. */
  database(): DatabaseSync;
  /** A logger named `<domain> v<version>`. */
  logger(domain: string): Logger;
  config(domain: string): Config;
  atsStore(): AttestationStore;
  queue(): QueueService;
}
