import { readdir } from 'node:fs/promises';
import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import type { OpenVault } from '../meetings/index.js';
import { MEETING_INDEX_FILE } from '../vault/vault.js';
import type { Meeting } from '../../shared/meetings.js';
import {
  effectiveRule,
  meetingRetention,
  readRetention,
  RETENTION_PARTS,
  writeRetention,
  type RetentionPart,
  type RetentionRule,
  type RetentionSource,
} from './policy.js';

const DAY_MS = 86_400_000;

/** One deletion retention would make now: a part of a meeting, or the whole meeting when nothing is left to keep. */
export interface RetentionItem {
  meetingId: string;
  title: string;
  /** 'meeting': every part is due, the meeting is crypto-shredded like a delete. */
  part: RetentionPart | 'meeting';
  /** When the part became due (ISO). */
  dueAt: string;
}

export interface RetentionPlan {
  at: string;
  items: RetentionItem[];
  /** Meetings under legal hold whose deletions are suspended, with what they would lose. */
  held: RetentionItem[];
}

function partsPresent(
  meeting: Meeting,
  removed: Partial<Record<RetentionPart, string>>,
): RetentionPart[] {
  const present: RetentionPart[] = [];
  if ((meeting.audio?.chunks ?? 0) > 0 && !removed.audio) present.push('audio');
  if (meeting.segmentCount > 0 && !removed.transcript) present.push('transcript');
  if (meeting.hasSummary && !removed.minutes) present.push('minutes');
  return present;
}

function dueParts(
  meeting: Meeting,
  rule: RetentionRule,
  from: string,
  now: number,
  removed: Partial<Record<RetentionPart, string>>,
) {
  const start = Date.parse(from);
  const due: { part: RetentionPart; dueAt: string }[] = [];
  const days: Record<RetentionPart, number | undefined> = {
    audio: rule.audioDays,
    transcript: rule.transcriptDays,
    minutes: rule.minutesDays,
  };
  for (const part of partsPresent(meeting, removed)) {
    const keep = days[part];
    if (keep === undefined) continue;
    const dueAt = start + keep * DAY_MS;
    if (dueAt <= now) due.push({ part, dueAt: new Date(dueAt).toISOString() });
  }
  return due;
}

/** What would be deleted now ("greffier retention show", the app's preview). */
export async function retentionPreview(
  open: OpenVault,
  source: RetentionSource = {},
  now = new Date(),
): Promise<RetentionPlan> {
  const store = await readRetention(open.vault);
  const plan: RetentionPlan = { at: now.toISOString(), items: [], held: [] };
  for (const meeting of open.meetings.list()) {
    // A meeting still being recorded is never touched.
    if (meeting.status === 'recording') continue;
    const own = meetingRetention(store, meeting.id);
    const { rule } = effectiveRule(own, meeting, source);
    if (!rule) continue;
    const from = source.approvedAt?.(meeting) ?? meeting.startedAt;
    const removed = own.removed ?? {};
    const due = dueParts(meeting, rule, from, now.getTime(), removed);
    if (due.length === 0) continue;
    const present = partsPresent(meeting, removed);
    const items: RetentionItem[] =
      due.length === present.length
        ? [
            {
              meetingId: meeting.id,
              title: meeting.title,
              part: 'meeting',
              dueAt: due
                .map((d) => d.dueAt)
                .sort()
                .at(-1)!,
            },
          ]
        : due.map((d) => ({ meetingId: meeting.id, title: meeting.title, ...d }));
    (own.hold ? plan.held : plan.items).push(...items);
  }
  return plan;
}

/** The files of a meeting folder that hold each part (the index shard goes with the words it holds). */
function partFiles(part: RetentionPart, file: string): boolean {
  const index = `${MEETING_INDEX_FILE}.enc`;
  if (part === 'audio') return file === 'audio.journal';
  if (part === 'transcript') {
    // The notes and redaction blobs hold the transcript's words too.
    return file === 'transcript.enc' || file === index || /^blob-.*\.enc$/.test(file);
  }
  return file === 'summary.enc' || file === index;
}

/**
 * Crypto-shreds one part: the meeting's other files move to a new key and
 * the old key is destroyed (Vault.rekeyMeeting), so the part's ciphertext,
 * its backups and any older copy of the disk open with nothing.
 */
async function removePart(
  open: OpenVault,
  meetingId: string,
  part: RetentionPart,
): Promise<string[]> {
  const { vault } = open;
  const names = await readdir(vault.meetingDir(meetingId)).catch(() => [] as string[]);
  const removed = names.filter((name) => partFiles(part, name));
  await vault.rekeyMeeting(
    meetingId,
    (name) => !partFiles(part, name) && !name.includes('.damaged-'),
  );
  const record = vault.data.meetings[meetingId]!;
  if (part === 'audio') {
    record.audio = {
      sampleRate: record.audio?.sampleRate ?? 16_000,
      channels: 1,
      chunks: 0,
      samples: 0,
    };
  } else if (part === 'transcript') {
    record.segmentCount = 0;
  } else {
    record.hasSummary = false;
  }
  record.updatedAt = new Date().toISOString();
  await vault.save();
  return removed;
}

/**
 * Deletes exactly what the plan lists (computed now when none is given):
 * whole meetings through the same crypto-shredding as a delete, parts by
 * removing their sealed files with their backups. Each deletion is an
 * audit entry. Meetings under legal hold are never in `items`.
 */
export async function applyRetention(
  open: OpenVault,
  source: RetentionSource = {},
  options: { now?: Date; plan?: RetentionPlan } = {},
): Promise<RetentionPlan> {
  const plan = options.plan ?? (await retentionPreview(open, source, options.now));
  const store = await readRetention(open.vault);
  for (const item of plan.items) {
    if (meetingRetention(store, item.meetingId).hold) {
      throw new GreffierError('retention-held', `meeting ${item.meetingId} is under legal hold`, {
        hint: 'the preview is out of date: preview again, nothing under hold is deleted',
      });
    }
  }
  for (const item of plan.items) {
    if (!Object.hasOwn(open.vault.data.meetings, item.meetingId)) continue;
    if (item.part === 'meeting') {
      await open.meetings.delete(item.meetingId);
      await appendAudit(open.vault, {
        action: 'retention.deleted',
        meetingId: item.meetingId,
        details: { part: 'meeting', dueAt: item.dueAt, shredded: [item.meetingId] },
      });
      continue;
    }
    const files = await removePart(open, item.meetingId, item.part);
    const own = (store.meetings[item.meetingId] ??= {});
    own.removed = { ...own.removed, [item.part]: new Date().toISOString() };
    await writeRetention(open.vault, store);
    await appendAudit(open.vault, {
      action: 'retention.deleted',
      meetingId: item.meetingId,
      details: { part: item.part, dueAt: item.dueAt, files },
    });
  }
  // Whole meetings deleted: the store forgets them too.
  if (plan.items.length > 0) await writeRetention(open.vault, store);
  return plan;
}

export { RETENTION_PARTS };
