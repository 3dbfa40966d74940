import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, readIfExists } from './durable.js';
import { AudioJournalWriter, readJournal, scanJournal } from './journal.js';
import { openSealedBytes, readSealedFile, writeSealedFile } from './sealed.js';

/**
 * Crypto-shredding one part of a meeting (retention: its audio, its
 * transcript) while keeping the rest: the kept files are sealed again with
 * a new meeting key and the old key is destroyed, so the dropped part (and
 * any copy of it: backups, an old disk image) is left as ciphertext nobody
 * can open, exactly as after a delete.
 *
 * Crash safety without a second key in the catalogue: the kept files are
 * first written beside the originals as `<file>.rekey` under the new key;
 * the catalogue saving the new wrapped key is the commit. On the next open,
 * a staged file that opens with the meeting's current key means the commit
 * happened (staged files replace the originals, everything else goes);
 * otherwise the staged files are dropped and nothing changed.
 */
const STAGED = '.rekey';
const JOURNAL = 'audio.journal';
/** Every sealed file of a meeting is schema version 1 (transcript, summary, blobs, index shard). */
const SEALED_VERSION = 1;

const aadOf = (meetingId: string, file: string) => `meeting/${meetingId}/${file.slice(0, -4)}`;

export async function stageRekey(
  dir: string,
  meetingId: string,
  oldKey: Buffer,
  newKey: Buffer,
  keep: (file: string) => boolean,
): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!keep(name)) continue;
    const path = join(dir, name);
    if (name.endsWith('.enc')) {
      const plain = await readSealedFile(
        path,
        oldKey,
        aadOf(meetingId, name),
        SEALED_VERSION,
        name,
      );
      if (!plain) continue;
      await writeSealedFile(
        `${path}${STAGED}`,
        newKey,
        aadOf(meetingId, name),
        SEALED_VERSION,
        plain,
        {
          backup: false,
        },
      );
      plain.fill(0);
    } else if (name === JOURNAL) {
      const writer = await AudioJournalWriter.open(`${path}${STAGED}`, meetingId, newKey);
      for await (const chunk of readJournal(path, meetingId, oldKey)) {
        await writer.append(chunk.samples);
        chunk.samples.fill(0);
      }
      await writer.close();
    }
  }
  await fsyncDir(dir);
}

async function opensWith(
  dir: string,
  meetingId: string,
  staged: string,
  key: Buffer,
): Promise<boolean> {
  const name = staged.slice(0, -STAGED.length);
  const path = join(dir, staged);
  if (name === JOURNAL) {
    const scan = await scanJournal(path, meetingId, key).catch(() => undefined);
    return scan !== undefined && scan.tail !== 'damaged';
  }
  try {
    openSealedBytes((await readIfExists(path))!, key, aadOf(meetingId, name), SEALED_VERSION);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finishes (or undoes) a re-key of this meeting's folder, given its current
 * key: after the commit, staged files take the originals' place and every
 * other file (sealed with the destroyed key) is removed.
 */
export async function finishRekey(dir: string, meetingId: string, key: Buffer): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const staged = names.filter((n) => n.endsWith(STAGED));
  if (staged.length === 0) return;
  const committed = await opensWith(dir, meetingId, staged[0]!, key);
  if (!committed) {
    for (const name of staged) await rm(join(dir, name), { force: true });
    await fsyncDir(dir);
    return;
  }
  const kept = new Set(staged.map((n) => n.slice(0, -STAGED.length)));
  for (const name of names) {
    if (!name.endsWith(STAGED) && !kept.has(name)) await rm(join(dir, name), { force: true });
  }
  for (const name of staged)
    await rename(join(dir, name), join(dir, name.slice(0, -STAGED.length)));
  await fsyncDir(dir);
}

/** Whether a meeting folder holds a re-key to finish (checked at open). */
export async function hasStagedRekey(dir: string): Promise<boolean> {
  return (await readdir(dir).catch(() => [] as string[])).some((n) => n.endsWith(STAGED));
}
