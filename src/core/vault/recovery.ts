import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SAMPLE_RATE } from '../audio/index.js';
import { cataloguePath, type Catalogue } from './catalogue.js';
import { backupPath, fsyncDir, readIfExists, writeDurable } from './durable.js';
import { scanJournal, truncateJournal, type JournalScan } from './journal.js';
import { sealedFileRestorable } from './sealed.js';

/**
 * What the vault does after an interrupted session, and what restoring from
 * backup copies does: kept apart from the vault's keys and storage so the
 * repair rules read in one place.
 */

export const BLOB_SCHEMA_VERSION = 1;

/** What the vault did on open to repair an interrupted session. */
export interface RecoveryReport {
  /** Meetings whose recording was interrupted and whose intact audio was kept. */
  recovered: { meetingId: string; chunks: number; cutBytes: number }[];
  /** Meetings whose journal is damaged in the middle (left untouched, marked failed). */
  damaged: { meetingId: string; badChunk: number }[];
  /** Jobs that were running when the process stopped, queued again. */
  requeuedJobs: string[];
}

/** What recovery needs of an unlocked vault. */
export interface RecoveryAccess {
  data: Catalogue;
  journalPath(meetingId: string): string;
  meetingDir(meetingId: string): string;
  meetingKey(meetingId: string): Buffer;
}

/**
 * After a crash: recordings left open get their intact chunks counted and
 * their torn tail cut ("recovered"); running jobs are queued again. Changes
 * the catalogue in memory; `changed` says whether it must be written.
 */
export async function recoverInterrupted(
  vault: RecoveryAccess,
): Promise<{ report: RecoveryReport; changed: boolean }> {
  const report: RecoveryReport = { recovered: [], damaged: [], requeuedJobs: [] };
  const data = vault.data;
  let changed = false;
  const now = new Date().toISOString();
  for (const meeting of Object.values(data.meetings)) {
    if (meeting.status !== 'recording') continue;
    const path = vault.journalPath(meeting.id);
    const key = vault.meetingKey(meeting.id);
    const empty: JournalScan = { chunks: 0, samples: 0, intactBytes: 0, fileBytes: 0 };
    // One unreadable journal must not keep the whole vault shut.
    const scan: JournalScan = existsSync(path)
      ? await scanJournal(path, meeting.id, key).catch(() => ({
          ...empty,
          tail: 'damaged' as const,
          badChunk: 0,
        }))
      : empty;
    if (scan.tail === 'damaged') {
      meeting.status = 'failed';
      meeting.statusNote = `the audio journal is damaged at chunk ${scan.badChunk}; ${scan.chunks} chunks before it are intact (nothing was cut)`;
      report.damaged.push({ meetingId: meeting.id, badChunk: scan.badChunk ?? 0 });
    } else {
      if (scan.fileBytes > scan.intactBytes && scan.intactBytes > 0) {
        await truncateJournal(path, scan.intactBytes);
      }
      meeting.status = 'recovered';
      meeting.statusNote = `recording interrupted; ${scan.chunks} chunks (${(scan.samples / SAMPLE_RATE).toFixed(1)} s) recovered`;
      report.recovered.push({
        meetingId: meeting.id,
        chunks: scan.chunks,
        cutBytes: Math.max(0, scan.fileBytes - scan.intactBytes),
      });
    }
    meeting.audio = {
      sampleRate: SAMPLE_RATE,
      channels: 1,
      chunks: scan.chunks,
      samples: scan.samples,
    };
    meeting.durationMs = Math.round(scan.samples / (SAMPLE_RATE / 1000));
    meeting.endedAt ??= now;
    meeting.updatedAt = now;
    changed = true;
  }
  for (const job of data.jobs) {
    if (job.state === 'running') {
      job.state = 'queued';
      job.updatedAt = now;
      report.requeuedJobs.push(job.id);
      changed = true;
    }
  }
  return { report, changed };
}

/**
 * Every sealed file (meetings' and the vault's blobs) that does not open but
 * whose backup copy does is put aside and replaced by the backup. Returns the
 * paths restored.
 */
export async function restoreSealedFiles(
  vault: RecoveryAccess & { dir: string },
  blobKey: Buffer,
): Promise<string[]> {
  const restored: string[] = [];
  for (const id of Object.keys(vault.data.meetings)) {
    const dir = vault.meetingDir(id);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.enc'))) {
      const base = name.slice(0, -4);
      const version = base.startsWith('blob-') ? BLOB_SCHEMA_VERSION : 1;
      const path = join(dir, name);
      const state = await sealedFileRestorable(
        path,
        vault.meetingKey(id),
        `meeting/${id}/${base}`,
        version,
      );
      if (state === 'restorable') {
        await putAsideAndRestore(path);
        restored.push(path);
      }
    }
  }
  const blobDir = join(vault.dir, 'blobs');
  for (const name of (await readdir(blobDir).catch(() => [] as string[])).filter((n) =>
    n.endsWith('.enc'),
  )) {
    const path = join(blobDir, name);
    const state = await sealedFileRestorable(
      path,
      blobKey,
      `vault/blob/${name.slice(0, -4)}`,
      BLOB_SCHEMA_VERSION,
    );
    if (state === 'restorable') {
      await putAsideAndRestore(path);
      restored.push(path);
    }
  }
  return restored;
}

/** Copies put aside as damaged are sealed with the master of their time: once it changed, they go. */
export async function removeOldMasterCopies(dir: string): Promise<void> {
  await removeDamagedCopies(cataloguePath(dir));
  for (const name of await readdir(join(dir, 'blobs')).catch(() => [] as string[])) {
    if (name.includes('.damaged-')) await rm(join(dir, 'blobs', name), { force: true });
  }
  await fsyncDir(dir).catch(() => undefined);
}

/** Removes the `<file>.damaged-<time>` copies that restore-backup put aside. */
export async function removeDamagedCopies(file: string): Promise<void> {
  const dir = dirname(file);
  const prefix = `${basename(file)}.damaged-`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix)) await rm(join(dir, name), { force: true });
  }
}

async function putAsideAndRestore(path: string): Promise<void> {
  const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, aside);
  const backup = (await readIfExists(backupPath(path)))!;
  await writeDurable(path, backup);
}
