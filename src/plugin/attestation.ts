/** "Subjects are predicates of contexts, according to actors, at a time." */
export interface Attestation {
  id: string;
  subjects: string[];
  predicates: string[];
  contexts: string[];
  actors: string[];
  /** When the attested fact holds, Unix milliseconds. */
  timestamp: number;
  /** The plugin that wrote it; set by the host from the caller's identity. */
  source: string;
  attributes: Record<string, unknown>;
  /** When the host stored it, Unix milliseconds. */
  createdAt: number;
  signature?: Uint8Array;
  signerDid?: string;
}

/** What a plugin asks the host to attest; the host fills in id, source and times. */
export interface AttestationCommand {
  subjects: string[];
  predicates: string[];
  contexts: string[];
  actors: string[];
  timestamp?: number;
  attributes?: Record<string, unknown>;
}

/** A query: OR within a list, AND across lists, newest first. */
export interface AttestationFilter {
  subjects?: string[];
  predicates?: string[];
  contexts?: string[];
  actors?: string[];
  /** Plugins that wrote them (OR); the host's own API offers this, the wire does not. */
  sources?: string[];
  /** Inclusive lower bound, Unix milliseconds (0 is a real bound, not "unset"). */
  timeStart?: number;
  /** Inclusive upper bound, Unix milliseconds. */
  timeEnd?: number;
  limit?: number;
}

/** The shared attestation store, as a plugin sees it. */
export interface AttestationStore {
  generateAndCreate(command: AttestationCommand): Promise<Attestation>;
  batchGenerateAndCreate(commands: AttestationCommand[]): Promise<number>;
  get(filter: AttestationFilter): Promise<Attestation[]>;
  exists(id: string): Promise<boolean>;
}
