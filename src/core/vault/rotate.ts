import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cataloguePath, EncryptedCatalogueFile, type Catalogue } from './catalogue.js';
import { subkey, wrapKey } from './crypto.js';
import { fsyncDir, readIfExists, replaceBackupWithCurrent, writeDurable } from './durable.js';
import { openSealedBytes, sealBytes } from './sealed.js';

/**
 * Master-key rotation (a passphrase change), crash-safe in three steps:
 *
 *  1. stage: the catalogue (meeting keys re-wrapped) and every vault blob
 *     are sealed with the next master's keys into `<file>.rotating`;
 *  2. commit: vault.json is rewritten to hold the next master, wrapped by
 *     the new passphrase — one atomic rename, the moment the change happens;
 *  3. finish: the staged files replace the old ones, backups become copies
 *     of them, copies put aside as damaged (sealed with the old master) go.
 *
 * A kill before 2 leaves the old header and old files (the staged ones fail
 * authentication under the old master and are removed on the next open); a
 * kill after 2 leaves the new header with staged files that open under it,
 * and the next open finishes step 3. Meeting data (transcripts, audio) is
 * sealed with meeting keys, which do not change: only their wrapping does.
 */

export const ROTATING_SUFFIX = '.rotating';
const BLOB_SCHEMA_VERSION = 1;

function blobAad(file: string): string {
  return `vault/blob/${file.slice(0, -'.enc'.length)}`;
}

function staged(file: string): string {
  return `${file}${ROTATING_SUFFIX}`;
}

/** Step 1: everything sealed with the vault's master, re-sealed for the next one. */
export async function stageRotation(
  dir: string,
  data: Catalogue,
  meetingKey: (id: string) => Buffer,
  blobKey: Buffer,
  nextMaster: Buffer,
): Promise<Catalogue> {
  const next = structuredClone(data);
  for (const [id, record] of Object.entries(next.meetings)) {
    record.wrappedKey = wrapKey(nextMaster, meetingKey(id), `greffier:meeting-key:v1:${id}`);
  }
  const nextCatalogueKey = subkey(nextMaster, 'catalogue');
  const nextBlobKey = subkey(nextMaster, 'vault-blobs');
  try {
    const encoded = new EncryptedCatalogueFile(dir, () => nextCatalogueKey).encode(next);
    await writeDurable(staged(cataloguePath(dir)), encoded);
    const blobs = join(dir, 'blobs');
    for (const name of await readdir(blobs).catch(() => [] as string[])) {
      if (!name.endsWith('.enc')) continue;
      const bytes = await readIfExists(join(blobs, name));
      if (!bytes) continue;
      let plain: Buffer;
      try {
        plain = openSealedBytes(bytes, blobKey, blobAad(name), BLOB_SCHEMA_VERSION);
      } catch {
        // A damaged blob cannot be carried over; restore-backup is the way for it.
        continue;
      }
      const sealed = sealBytes(nextBlobKey, blobAad(name), BLOB_SCHEMA_VERSION, plain);
      plain.fill(0);
      await writeDurable(staged(join(blobs, name)), sealed);
    }
  } finally {
    nextCatalogueKey.fill(0);
    nextBlobKey.fill(0);
  }
  return next;
}

/**
 * Step 3, also run on every open: staged files that open under the current
 * master are put in place (the header was committed), the others are the
 * leftovers of a rotation that never committed and are removed.
 */
export async function finishRotation(
  dir: string,
  catalogueKey: Buffer,
  blobKey: Buffer,
): Promise<boolean> {
  let changed = false;
  const catalogue = cataloguePath(dir);
  const stagedCatalogue = await readIfExists(staged(catalogue));
  if (stagedCatalogue) {
    const file = new EncryptedCatalogueFile(dir, () => catalogueKey);
    let committed = true;
    try {
      file.decode(stagedCatalogue);
    } catch {
      committed = false;
    }
    if (committed) {
      await rename(staged(catalogue), catalogue);
      await replaceBackupWithCurrent(catalogue);
    } else {
      await rm(staged(catalogue), { force: true });
    }
    changed = true;
  }
  const blobs = join(dir, 'blobs');
  for (const name of await readdir(blobs).catch(() => [] as string[])) {
    if (!name.endsWith(`.enc${ROTATING_SUFFIX}`)) continue;
    const final = join(blobs, name.slice(0, -ROTATING_SUFFIX.length));
    const bytes = await readIfExists(join(blobs, name));
    let committed = !!bytes;
    try {
      if (bytes) {
        openSealedBytes(
          bytes,
          blobKey,
          blobAad(name.slice(0, -ROTATING_SUFFIX.length)),
          BLOB_SCHEMA_VERSION,
        );
      }
    } catch {
      committed = false;
    }
    if (committed) {
      await rename(join(blobs, name), final);
      await replaceBackupWithCurrent(final);
    } else {
      await rm(join(blobs, name), { force: true });
    }
    changed = true;
  }
  if (changed) {
    await fsyncDir(dir);
    await fsyncDir(blobs).catch(() => undefined);
  }
  return changed;
}
