/**
 * Installing plugins: checked archives (checksum, Ed25519 signature, no path out of the
 * plugin's folder), the tree of installed versions with an atomic switch, and rollback.
 * @module
 */
export {
  ArchiveError,
  type ArchiveFile,
  type ArchiveLimits,
  DEFAULT_ARCHIVE_LIMITS,
  readArchive,
} from "./archive.ts";
export { packArchive } from "./archive_pack.ts";
export { fetchArchive, type FetchLimits, signatureUrl, urlProblem } from "./fetch_archive.ts";
export {
  discardVersion,
  INSTALLED_SHA256,
  type InstalledRecord,
  readRecord,
  switchTo,
  versionsDir,
} from "./installed_tree.ts";
export {
  installArchive,
  type Installed,
  type InstallRequest,
  type InstallTarget,
  previousVersion,
  type SignaturePolicy,
} from "./installer.ts";
export {
  type ArchiveSignature,
  generateSigningKey,
  parseSignature,
  signArchive,
  verifySignature,
} from "./signature.ts";
