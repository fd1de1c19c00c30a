import { Buffer } from "node:buffer";
import { ArchiveError } from "./archive.ts";

/**
 * Ed25519 signatures of plugin archives (WebCrypto). A public key is written
 * `ed25519:<base64 of its 32 bytes>` (what `[plugin] trusted_keys` lists); a signature file
 * (`<archive>.sig`) is JSON naming the key, the archive's SHA-256 and the signature of
 * `qntx-plugin-archive/v1 <sha256>`, so a signature made for an archive signs nothing else.
 */
export interface ArchiveSignature {
  key: string;
  sha256: string;
  signature: string;
}

const PREFIX = "ed25519:";
const ED25519 = { name: "Ed25519" } as const;

function statement(sha256: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`qntx-plugin-archive/v1 ${sha256}`);
}

/** A new key pair: the private key as PKCS#8 PEM, the public key as a trusted-key string. */
export async function generateSigningKey(): Promise<{ privatePem: string; publicKey: string }> {
  const pair = await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"]) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const raw = Buffer.from(await crypto.subtle.exportKey("raw", pair.publicKey));
  const lines = pkcs8.toString("base64").match(/.{1,64}/g)!.join("\n");
  return {
    privatePem: `-----BEGIN PRIVATE KEY-----\n${lines}\n-----END PRIVATE KEY-----\n`,
    publicKey: PREFIX + raw.toString("base64"),
  };
}

/** Signs an archive's checksum with a PKCS#8 PEM private key. */
export async function signArchive(privatePem: string, sha256: string): Promise<ArchiveSignature> {
  const body = privatePem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("pkcs8", Buffer.from(body, "base64"), ED25519, true, [
      "sign",
    ]);
  } catch (error) {
    throw new ArchiveError(`the key is not an Ed25519 private key in PKCS#8 PEM: ${error}`);
  }
  // The public half, from the private key's JWK (its `x`), names the signer.
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const publicKey = PREFIX + Buffer.from(jwk.x!, "base64url").toString("base64");
  const signature = await crypto.subtle.sign(ED25519, key, statement(sha256));
  return { key: publicKey, sha256, signature: Buffer.from(signature).toString("base64") };
}

/** Reads a signature file's JSON, naming what is missing. */
export function parseSignature(text: string): ArchiveSignature {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ArchiveError("the signature is not JSON");
  }
  const { key, sha256, signature } = (value ?? {}) as Record<string, unknown>;
  if (typeof key !== "string" || typeof sha256 !== "string" || typeof signature !== "string") {
    throw new ArchiveError('the signature must be {"key", "sha256", "signature"}, all strings');
  }
  return { key, sha256, signature };
}

/**
 * Checks that `signature` was made by one of `trusted` keys for the archive whose checksum is
 * `sha256`; throws an `ArchiveError` naming what failed.
 */
export async function verifySignature(
  signature: ArchiveSignature,
  sha256: string,
  trusted: readonly string[],
): Promise<void> {
  if (!trusted.includes(signature.key)) {
    throw new ArchiveError(
      `the archive is signed by ${signature.key}, which is not in [plugin] trusted_keys`,
    );
  }
  if (signature.sha256 !== sha256) {
    throw new ArchiveError(
      `the signature is for an archive with SHA-256 ${signature.sha256}, not this one (${sha256})`,
    );
  }
  const key = await crypto.subtle.importKey(
    "raw",
    Buffer.from(signature.key.slice(PREFIX.length), "base64"),
    ED25519,
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    ED25519,
    key,
    Buffer.from(signature.signature, "base64"),
    statement(sha256),
  );
  if (!valid) {
    throw new ArchiveError(`the signature by ${signature.key} does not match the archive`);
  }
}
