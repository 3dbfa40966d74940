import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import {
  AuthenticationError,
  KdfParamsSchema,
  deriveKey,
  newKdfParams,
  unwrapKey,
  wrapKey,
  zero,
  type KdfParams,
} from './crypto.js';
import { backupPath, readIfExists, replaceBackupWithCurrent, writeDurable } from './durable.js';

export const HEADER_FILE = 'vault.json';
export const HEADER_VERSION = 1;

/**
 * The only file in clear: what is needed to turn a passphrase into the
 * master key (KDF parameters, salt, the wrapped key). A checksum over it
 * tells "this file was damaged" apart from "wrong passphrase".
 */
const HeaderSchema = z.object({
  format: z.literal('greffier-vault'),
  version: z.literal(HEADER_VERSION),
  vaultId: z.string().min(1),
  createdAt: z.string(),
  kdf: KdfParamsSchema,
  wrappedMasterKey: z.string().min(1),
  checksum: z.string(),
});
export type VaultHeader = z.infer<typeof HeaderSchema>;

function checksumOf(header: Omit<VaultHeader, 'checksum'>): string {
  const { format, version, vaultId, createdAt, kdf, wrappedMasterKey } = header;
  const canonical = JSON.stringify([format, version, vaultId, createdAt, kdf, wrappedMasterKey]);
  return createHash('sha256').update(canonical).digest('hex');
}

function masterKeyAad(vaultId: string): string {
  return `greffier:master-key:v${HEADER_VERSION}:${vaultId}`;
}

function parseHeader(bytes: Buffer | null): VaultHeader | undefined {
  if (!bytes) return undefined;
  try {
    const header = HeaderSchema.parse(JSON.parse(bytes.toString('utf8')));
    return header.checksum === checksumOf(header) ? header : undefined;
  } catch {
    return undefined;
  }
}

export function headerPath(dir: string): string {
  return join(dir, HEADER_FILE);
}

/**
 * Reads the header, falling back to its backup when the main copy is
 * damaged (the header changes only on init and passwd, and both copies
 * then hold the same key, so the backup is as good as the original).
 */
export async function readHeader(dir: string): Promise<VaultHeader | undefined> {
  const main = await readIfExists(headerPath(dir));
  const parsed = parseHeader(main);
  if (parsed) return parsed;
  const backup = parseHeader(await readIfExists(backupPath(headerPath(dir))));
  if (backup) return backup;
  if (main === null) return undefined;
  throw new GreffierError(
    'vault-header-damaged',
    `the vault header ${headerPath(dir)} is damaged`,
    {
      hint: 'restore the vault folder from a backup copy; without the header the vault cannot be opened',
    },
  );
}

/**
 * After a crash between writing vault.json and its backup, the backup may
 * hold the previous master: it becomes a copy of the header that opened.
 */
export async function syncHeaderBackup(dir: string, header: VaultHeader): Promise<void> {
  const backup = parseHeader(await readIfExists(backupPath(headerPath(dir))));
  if (backup && backup.checksum === header.checksum) return;
  const main = parseHeader(await readIfExists(headerPath(dir)));
  if (main && main.checksum === header.checksum) await replaceBackupWithCurrent(headerPath(dir));
}

async function writeHeader(dir: string, header: Omit<VaultHeader, 'checksum'>): Promise<void> {
  const full: VaultHeader = { ...header, checksum: checksumOf(header) };
  await writeDurable(headerPath(dir), Buffer.from(`${JSON.stringify(full, null, 2)}\n`));
  // The backup must never keep a key wrapped by an old passphrase.
  await replaceBackupWithCurrent(headerPath(dir));
}

export async function createHeader(
  dir: string,
  passphrase: Buffer,
  masterKey: Buffer,
  cost?: { N: number; r: number; p: number },
): Promise<VaultHeader> {
  const vaultId = randomUUID();
  const kdf = newKdfParams(cost);
  const wrappingKey = await deriveKey(passphrase, kdf);
  try {
    const header = {
      format: 'greffier-vault' as const,
      version: HEADER_VERSION as typeof HEADER_VERSION,
      vaultId,
      createdAt: new Date().toISOString(),
      kdf,
      wrappedMasterKey: wrapKey(wrappingKey, masterKey, masterKeyAad(vaultId)),
    };
    await writeHeader(dir, header);
    return { ...header, checksum: checksumOf(header) };
  } finally {
    zero(wrappingKey);
  }
}

export async function unwrapMasterKey(header: VaultHeader, passphrase: Buffer): Promise<Buffer> {
  const wrappingKey = await deriveKey(passphrase, header.kdf as KdfParams);
  try {
    return unwrapKey(wrappingKey, header.wrappedMasterKey, masterKeyAad(header.vaultId));
  } catch (error) {
    if (error instanceof AuthenticationError) {
      throw new GreffierError('wrong-passphrase', 'wrong passphrase for this vault', {
        hint: 'check the passphrase (or the file given with --passphrase-file) and try again',
      });
    }
    throw error;
  } finally {
    zero(wrappingKey);
  }
}

/** The commit point of a passphrase change: the header now holds the next master key. */
export async function rewrapHeader(
  dir: string,
  header: VaultHeader,
  masterKey: Buffer,
  newPassphrase: Buffer,
  cost?: { N: number; r: number; p: number },
): Promise<VaultHeader> {
  const kdf = newKdfParams(cost ?? { N: header.kdf.N, r: header.kdf.r, p: header.kdf.p });
  const wrappingKey = await deriveKey(newPassphrase, kdf);
  try {
    const { checksum: _old, ...rest } = header;
    const next = {
      ...rest,
      kdf,
      wrappedMasterKey: wrapKey(wrappingKey, masterKey, masterKeyAad(header.vaultId)),
    };
    await writeHeader(dir, next);
    return { ...next, checksum: checksumOf(next) };
  } finally {
    zero(wrappingKey);
  }
}
