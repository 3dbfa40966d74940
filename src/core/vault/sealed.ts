import { GreffierError } from '../errors.js';
import { AuthenticationError, open, seal } from './crypto.js';
import { backupPath, readIfExists, writeDurable } from './durable.js';

/**
 * One encrypted file for one record (a transcript, a summary, an index):
 * MAGIC ‖ nonce ‖ ciphertext ‖ tag, with the record's id and schema version
 * as associated data so files cannot be swapped between meetings.
 */
const MAGIC = Buffer.from('GRFSEAL1');

export function recordAad(recordId: string, schemaVersion: number): string {
  return `greffier:${recordId}:v${schemaVersion}`;
}

/** The bytes of a sealed file, for a caller that writes them itself (a staged rotation). */
export function sealBytes(
  key: Buffer,
  recordId: string,
  schemaVersion: number,
  plaintext: Uint8Array,
): Buffer {
  return Buffer.concat([MAGIC, seal(key, plaintext, recordAad(recordId, schemaVersion))]);
}

export async function writeSealedFile(
  path: string,
  key: Buffer,
  recordId: string,
  schemaVersion: number,
  plaintext: Uint8Array,
  options: { backup?: boolean } = {},
): Promise<void> {
  const bytes = sealBytes(key, recordId, schemaVersion, plaintext);
  await writeDurable(path, bytes, { backup: options.backup ?? true });
}

export function openSealedBytes(
  bytes: Buffer,
  key: Buffer,
  recordId: string,
  schemaVersion: number,
): Buffer {
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new AuthenticationError();
  return open(key, bytes.subarray(MAGIC.length), recordAad(recordId, schemaVersion));
}

function tryOpen(bytes: Buffer | null, key: Buffer, id: string, v: number): Buffer | undefined {
  if (!bytes) return undefined;
  try {
    return openSealedBytes(bytes, key, id, v);
  } catch {
    return undefined;
  }
}

/** undefined when the file does not exist; a clear error when it is damaged. */
export async function readSealedFile(
  path: string,
  key: Buffer,
  recordId: string,
  schemaVersion: number,
  what: string,
): Promise<Buffer | undefined> {
  const main = await readIfExists(path);
  if (main === null) return undefined;
  const plain = tryOpen(main, key, recordId, schemaVersion);
  if (plain) return plain;
  const backupGood = !!tryOpen(await readIfExists(backupPath(path)), key, recordId, schemaVersion);
  throw new GreffierError(
    'file-damaged',
    `the ${what} (${path}) is damaged: it fails authentication`,
    {
      hint: backupGood
        ? 'run "greffier vault restore-backup" to go back to its previous saved version (the damaged file is kept aside)'
        : 'no readable backup of it exists: restore the vault folder from a backup copy',
    },
  );
}

/** Whether a sealed file is damaged and its backup could replace it. */
export async function sealedFileRestorable(
  path: string,
  key: Buffer,
  recordId: string,
  schemaVersion: number,
): Promise<'ok' | 'restorable' | 'lost'> {
  if (tryOpen(await readIfExists(path), key, recordId, schemaVersion)) return 'ok';
  return tryOpen(await readIfExists(backupPath(path)), key, recordId, schemaVersion)
    ? 'restorable'
    : 'lost';
}
