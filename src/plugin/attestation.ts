/** "Subjects are predicates of contexts, according to actors, at a time." */
export interface Attestation {
  /** The host's id for the attestation; unique in the store. */
  id: string;
  /** What the attestation is about. */
  subjects: string[];
  /** What is said of the subjects. */
  predicates: string[];
  /** Where or in what frame it holds. */
  contexts: string[];
  /** Who says so. */
  actors: string[];
  /** When the attested fact holds, Unix milliseconds. */
  timestamp: number;
  /** The plugin that wrote it; set by the host from the caller's identity. */
  source: string;
  /** Free-form JSON fields of the attestation; `{}` when it has none. */
  attributes: Record<string, unknown>;
  /** When the host stored it, Unix milliseconds. */
  createdAt: number;
  /** The attestation's signature; undefined when it is not signed. */
  signature?: Uint8Array;
  /** The signer's DID; undefined when it is not signed. */
  signerDid?: string;
}

/** What a plugin asks the host to attest; the host fills in id, source and times. */
export interface AttestationCommand {
  /** What the attestation is about: at least one value, none empty. */
  subjects: string[];
  /** What is said of the subjects: at least one value, none empty. */
  predicates: string[];
  /** Where or in what frame it holds: at least one value, none empty. */
  contexts: string[];
  /** Who says so: at least one value, none empty. */
  actors: string[];
  /** When the attested fact holds, Unix milliseconds; the time of the call when undefined. */
  timestamp?: number;
  /** Free-form fields, stored as JSON. */
  attributes?: Record<string, unknown>;
}

/** A query: OR within a list, AND across lists, newest first. */
export interface AttestationFilter {
  /** Matches an attestation with any of these subjects (case-insensitive). */
  subjects?: string[];
  /** Matches an attestation with any of these predicates (case-insensitive). */
  predicates?: string[];
  /** Matches an attestation with any of these contexts (case-insensitive). */
  contexts?: string[];
  /** Matches an attestation with any of these actors (case-insensitive). */
  actors?: string[];
  /** Plugins that wrote them (OR); the host's own API offers this, the wire does not. */
  sources?: string[];
  /** Inclusive lower bound, Unix milliseconds (0 is a real bound, not "unset"). */
  timeStart?: number;
  /** Inclusive upper bound, Unix milliseconds. */
  timeEnd?: number;
  /** Most attestations to return: the host's default of 100 when undefined, at most 10 000. */
  limit?: number;
}

/** The shared attestation store, as a plugin sees it. */
export interface AttestationStore {
  /** Stores one attestation and returns it as stored, with its id, source and times. */
  generateAndCreate(command: AttestationCommand): Promise<Attestation>;
  /** Stores every command in one transaction, all or none; returns how many were stored. */
  batchGenerateAndCreate(commands: AttestationCommand[]): Promise<number>;
  /** The attestations that match `filter`, newest first. */
  get(filter: AttestationFilter): Promise<Attestation[]>;
  /** Whether an attestation with this id is in the store. */
  exists(id: string): Promise<boolean>;
}
