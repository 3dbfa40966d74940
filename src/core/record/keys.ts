import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import type { Vault } from '../vault/vault.js';

/**
 * Approvers' Ed25519 key pairs. The list is one vault blob, sealed with the
 * vault's key like every other secret: the private keys never leave it in
 * clear. Public keys are exportable (PEM) so anyone can check a signed export
 * offline with `greffier verify --pubkey`.
 */
const KEYS_BLOB = 'approver-keys';

const StoredKeySchema = z.object({
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string().min(1).max(200),
  publicKeyPem: z.string().min(1),
  privateKeyPem: z.string().min(1),
  createdAt: z.string(),
});
const StoredKeysSchema = z.object({ schemaVersion: z.literal(1), keys: z.array(StoredKeySchema) });
type StoredKey = z.infer<typeof StoredKeySchema>;

/** An approver's key as shown: never the private half. */
export interface ApproverKey {
  fingerprint: string;
  name: string;
  publicKeyPem: string;
  createdAt: string;
}

/** SHA-256 of the public key's DER (SPKI): the same from a PEM file or the vault. */
export function keyFingerprint(publicKeyPem: string): string {
  let der: Buffer;
  try {
    der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  } catch (error) {
    throw new GreffierError('bad-public-key', 'this is not a readable public key (PEM)', {
      hint: 'use the file written by "greffier keys export"',
      cause: error,
    });
  }
  return createHash('sha256').update(der).digest('hex');
}

/** The first 16 hex digits, grouped by four: what a signature block shows. */
export function shortFingerprint(fingerprint: string): string {
  return (fingerprint.slice(0, 16).match(/.{4}/g) ?? []).join(' ').toUpperCase();
}

function fold(name: string): string {
  return name.trim().normalize('NFC').toLocaleLowerCase('fr');
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200) {
    throw new GreffierError('bad-approver', 'an approver needs a name of 1 to 200 characters', {
      hint: 'type the name of the person who approves (e.g. the chair)',
    });
  }
  return trimmed;
}

async function readKeys(vault: Vault): Promise<StoredKey[]> {
  const bytes = await vault.readBlob(KEYS_BLOB);
  if (!bytes) return [];
  try {
    return StoredKeysSchema.parse(JSON.parse(bytes.toString('utf8'))).keys;
  } finally {
    bytes.fill(0);
  }
}

async function writeKeys(vault: Vault, keys: StoredKey[]): Promise<void> {
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 1, keys }));
  try {
    await vault.writeBlob(KEYS_BLOB, bytes);
  } finally {
    bytes.fill(0);
  }
}

function shown(key: StoredKey): ApproverKey {
  const { privateKeyPem, ...rest } = key;
  void privateKeyPem;
  return rest;
}

export async function listKeys(vault: Vault): Promise<ApproverKey[]> {
  return (await readKeys(vault)).map(shown);
}

/** A new Ed25519 key pair for an approver, its private half sealed in the vault. */
export async function createKey(vault: Vault, name: string): Promise<ApproverKey> {
  const approver = checkName(name);
  const keys = await readKeys(vault);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key: StoredKey = {
    fingerprint: keyFingerprint(publicKeyPem),
    name: approver,
    publicKeyPem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdAt: new Date().toISOString(),
  };
  keys.push(key);
  await writeKeys(vault, keys);
  return shown(key);
}

/** A key by fingerprint (whole, or a prefix of at least 8 hex digits, spaces ignored). */
export async function findKey(vault: Vault, fingerprint: string): Promise<ApproverKey> {
  return shown(await storedKey(vault, fingerprint));
}

async function storedKey(vault: Vault, fingerprint: string): Promise<StoredKey> {
  const wanted = fingerprint.replace(/\s+/g, '').toLowerCase();
  const matches = (await readKeys(vault)).filter(
    (k) => wanted.length >= 8 && k.fingerprint.startsWith(wanted),
  );
  if (matches.length !== 1) {
    throw new GreffierError(
      'no-key',
      matches.length
        ? `"${fingerprint}" matches ${matches.length} keys`
        : `there is no approver key "${fingerprint}" in this vault`,
      { hint: 'see "greffier keys list"; give more digits of the fingerprint' },
    );
  }
  return matches[0]!;
}

/**
 * The key an approver signs with: the one named by fingerprint, else the
 * newest key under the approver's name, else a new one for that name.
 */
export async function approverKey(
  vault: Vault,
  name: string,
  fingerprint?: string,
): Promise<{ key: ApproverKey; created: boolean }> {
  if (fingerprint) {
    const key = await findKey(vault, fingerprint);
    if (fold(key.name) !== fold(name)) {
      throw new GreffierError(
        'key-not-approver',
        `key ${shortFingerprint(key.fingerprint)} belongs to ${key.name}, not ${name.trim()}`,
        { hint: "approve under the key owner's name, or create a key for this approver" },
      );
    }
    return { key, created: false };
  }
  const own = (await readKeys(vault)).filter((k) => fold(k.name) === fold(checkName(name)));
  const newest = own.at(-1);
  if (newest) return { key: shown(newest), created: false };
  return { key: await createKey(vault, name), created: true };
}

/** Signs bytes with an approver's private key (Ed25519, base64 signature). */
export async function signWith(
  vault: Vault,
  fingerprint: string,
  payload: Buffer,
): Promise<string> {
  const key = await storedKey(vault, fingerprint);
  const privateKey = createPrivateKey(key.privateKeyPem);
  return sign(null, payload, privateKey).toString('base64');
}
