import { verify, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import type { OpenVault } from '../meetings/index.js';
import { MinutesSchema, type Minutes } from '../../shared/minutes.js';
import {
  MinutesVersionSchema,
  type Approval,
  type MinutesHistory,
  type MinutesStatus,
  type MinutesVersion,
  type RecordAction,
  type RecordEvent,
} from '../../shared/record.js';
import { audit, recordHooks, type RecordHooks } from './hooks.js';
import { canonicalJson, sha256Json } from './hash.js';
import { approverKey, signWith } from './keys.js';
import { diffLines, minutesLines } from './diff.js';
import { restorableSources } from './snapshots.js';

/**
 * The minutes' way to becoming the official record, kept sealed with the
 * meeting's key (so deleting the meeting shreds its history too): versions,
 * who did what and when, and each approval's signature. The catalogue holds
 * the current status, which the meetings module reads to refuse edits.
 */
const RECORD_BLOB = 'minutes-record';
const StoredRecordSchema = z.object({
  schemaVersion: z.literal(1),
  versions: z.array(MinutesVersionSchema).min(1),
});
type StoredRecord = z.infer<typeof StoredRecordSchema>;

type Open = Pick<OpenVault, 'vault' | 'meetings'>;

function stateError(meetingId: string, status: MinutesStatus, wanted: string): GreffierError {
  return new GreffierError(
    'minutes-state',
    `the minutes of meeting ${meetingId} are ${status}; only ${wanted} minutes can do that`,
    { hint: `see where they are with: greffier minutes history ${meetingId}` },
  );
}

function required(text: string | undefined, code: string, what: string, hint: string): string {
  const trimmed = text?.trim() ?? '';
  if (!trimmed || trimmed.length > 2000) {
    throw new GreffierError(code, `${what} needs a text of 1 to 2000 characters`, { hint });
  }
  return trimmed;
}

/** The transcript as approval hashes it: every segment as stored (ids, times, words, speakers). */
export async function transcriptHash(open: Open, meetingId: string): Promise<string> {
  return sha256Json(await open.meetings.getSegments(meetingId));
}

export function minutesHash(minutes: Minutes): string {
  return sha256Json(minutes);
}

/** What an approval signs: enough to name the meeting, the version and the exact bytes. */
export function approvalPayload(
  meetingId: string,
  version: number,
  approval: Omit<Approval, 'signature' | 'publicKeyPem'>,
): Buffer {
  return Buffer.from(
    canonicalJson({ kind: 'greffier-approval/1', meetingId, version, ...approval }),
  );
}

export class MinutesRecord {
  readonly hooks: RecordHooks;

  constructor(
    private readonly open: Open,
    hooks?: RecordHooks,
  ) {
    this.hooks = hooks ?? recordHooks(open.vault);
  }

  async #read(meetingId: string): Promise<StoredRecord> {
    const meeting = this.open.meetings.getMeeting(meetingId);
    const bytes = await this.open.vault.readMeetingBlob(meetingId, RECORD_BLOB);
    if (bytes) return StoredRecordSchema.parse(JSON.parse(bytes.toString('utf8')));
    // Minutes from before the record existed start as version 1, a draft.
    return {
      schemaVersion: 1,
      versions: [{ version: 1, status: 'draft', createdAt: meeting.createdAt, events: [] }],
    };
  }

  async #write(meetingId: string, record: StoredRecord): Promise<void> {
    await this.open.vault.writeMeetingBlob(
      meetingId,
      RECORD_BLOB,
      Buffer.from(JSON.stringify(record)),
    );
    await this.open.meetings.setMinutesStatus(meetingId, record.versions.at(-1)!.status);
  }

  async #minutes(meetingId: string): Promise<Minutes> {
    const parsed = MinutesSchema.safeParse(await this.open.meetings.getSummary(meetingId));
    if (!parsed.success) {
      throw new GreffierError('no-minutes', `meeting ${meetingId} has no minutes to submit yet`, {
        hint: `write them first: greffier summarize ${meetingId}`,
      });
    }
    return parsed.data;
  }

  async #step(
    meetingId: string,
    action: RecordAction,
    change: (current: MinutesVersion, record: StoredRecord) => Promise<Record<string, unknown>>,
    event: { by?: string; comment?: string } = {},
  ): Promise<MinutesVersion> {
    const record = await this.#read(meetingId);
    const current = record.versions.at(-1)!;
    const details = await change(current, record);
    const latest = record.versions.at(-1)!;
    latest.events.push({ action, at: new Date().toISOString(), ...event });
    await this.#write(meetingId, record);
    await audit(this.hooks, `minutes.${action}`, meetingId, {
      version: latest.version,
      ...details,
    });
    return structuredClone(latest);
  }

  /** The pipeline wrote (or rewrote) the draft's minutes: the entry keeps their text. */
  async generated(meetingId: string, template: string, minutes?: Minutes): Promise<void> {
    const version = await this.noteDraft(meetingId, {
      action: 'generated',
      comment: template,
      ...(minutes ? { minutes } : {}),
    });
    if (version === undefined) return;
    await audit(this.hooks, 'minutes.generated', meetingId, { version, template });
  }

  /**
   * An entry for a draft or returned version (src/core/record/drafts.ts says
   * which): the version's number, or undefined when the minutes are fixed.
   */
  async noteDraft(meetingId: string, event: Omit<RecordEvent, 'at'>): Promise<number | undefined> {
    const record = await this.#read(meetingId);
    const current = record.versions.at(-1)!;
    if (current.status !== 'draft' && current.status !== 'returned') return undefined;
    current.events.push({ ...event, at: new Date().toISOString() });
    await this.#write(meetingId, record);
    return current.version;
  }

  /** The stored versions as they are (no diffs): what drafts.ts looks texts up in. */
  async versions(meetingId: string): Promise<MinutesVersion[]> {
    return (await this.#read(meetingId)).versions;
  }

  /** The clerk hands the minutes to the approver: from now on they are fixed. */
  submit(meetingId: string, by?: string): Promise<MinutesVersion> {
    return this.#step(
      meetingId,
      'submitted',
      async (current) => {
        if (current.status !== 'draft' && current.status !== 'returned') {
          throw stateError(meetingId, current.status, 'draft or returned');
        }
        current.minutes = await this.#minutes(meetingId);
        current.status = 'submitted';
        return { minutesSha256: minutesHash(current.minutes) };
      },
      by?.trim() ? { by: by.trim() } : {},
    );
  }

  /** The approver sends them back to the clerk, saying why. */
  async returnMinutes(meetingId: string, by: string, comment: string): Promise<MinutesVersion> {
    const why = required(
      comment,
      'return-needs-comment',
      'returning minutes',
      'say what to change',
    );
    return this.#step(
      meetingId,
      'returned',
      async (current) => {
        if (current.status !== 'submitted')
          throw stateError(meetingId, current.status, 'submitted');
        current.status = 'returned';
        return { comment: why };
      },
      { ...(by.trim() ? { by: by.trim() } : {}), comment: why },
    );
  }

  /**
   * The approver approves under the name they type: the exact minutes and the
   * transcript they cite are hashed and signed with the approver's Ed25519
   * key (created in the vault on their first approval).
   */
  approve(
    meetingId: string,
    options: { approver: string; keyFingerprint?: string },
  ): Promise<MinutesVersion> {
    return this.#step(
      meetingId,
      'approved',
      async (current) => {
        if (current.status !== 'submitted')
          throw stateError(meetingId, current.status, 'submitted');
        const stored = await this.#minutes(meetingId);
        const minutesSha256 = minutesHash(current.minutes!);
        if (minutesHash(stored) !== minutesSha256) {
          throw new GreffierError(
            'minutes-changed',
            `the minutes of meeting ${meetingId} changed after they were submitted`,
            { hint: 'return them to the clerk and submit them again' },
          );
        }
        const { key, created } = await approverKey(
          this.open.vault,
          options.approver,
          options.keyFingerprint,
        );
        const chainHead = await this.hooks.chainHead?.();
        const fields = {
          approver: options.approver.trim(),
          fingerprint: key.fingerprint,
          approvedAt: new Date().toISOString(),
          minutesSha256,
          transcriptSha256: await transcriptHash(this.open, meetingId),
          ...(chainHead ? { chainHead } : {}),
        };
        const signature = await signWith(
          this.open.vault,
          key.fingerprint,
          approvalPayload(meetingId, current.version, fields),
        );
        current.approval = { ...fields, publicKeyPem: key.publicKeyPem, signature };
        current.status = 'approved';
        return { fingerprint: key.fingerprint, keyCreated: created, minutesSha256 };
      },
      { by: options.approver.trim() },
    );
  }

  /**
   * Approved minutes never change: a correction opens a new version (a draft,
   * with its reason), optionally with corrected minutes; it goes through
   * submission and approval again while the approved version stays in history.
   */
  async correct(
    meetingId: string,
    options: { reason: string; by?: string; minutes?: unknown },
  ): Promise<MinutesVersion> {
    const reason = required(
      options.reason,
      'correction-needs-reason',
      'a correction',
      'say why the approved minutes are corrected (--reason "…")',
    );
    const minutes =
      options.minutes === undefined ? undefined : parseMinutes(options.minutes, meetingId);
    return this.#step(
      meetingId,
      'corrected',
      async (current, record) => {
        if (current.status !== 'approved') throw stateError(meetingId, current.status, 'approved');
        record.versions.push({
          version: current.version + 1,
          status: 'draft',
          reason,
          createdAt: new Date().toISOString(),
          events: [],
        });
        // The catalogue must say "draft" before the new minutes can be stored.
        await this.open.meetings.setMinutesStatus(meetingId, 'draft');
        if (minutes) await this.open.meetings.setSummary(meetingId, minutes);
        return { reason, from: current.version };
      },
      { ...(options.by?.trim() ? { by: options.by.trim() } : {}), comment: reason },
    );
  }

  /** Every version with its events, approval and the changes from the one before. */
  async history(meetingId: string): Promise<MinutesHistory> {
    const record = await this.#read(meetingId);
    const current = record.versions.at(-1)!;
    // A draft's minutes are the stored ones; a submitted version keeps its own copy.
    const draft = current.minutes
      ? undefined
      : MinutesSchema.safeParse(await this.open.meetings.getSummary(meetingId));
    let previous: string[] = [];
    const versions = record.versions.map((v) => {
      const minutes = v.minutes ?? (v === current && draft?.success ? draft.data : undefined);
      const lines = minutes ? minutesLines(minutes) : [];
      const diff = v.version === 1 ? [] : diffLines(previous, lines);
      previous = lines;
      return { ...v, ...(minutes ? { minutes } : {}), diff };
    });
    const restorable = restorableSources(
      record.versions,
      draft?.success ? draft.data : current.minutes,
    );
    return { meetingId, status: current.status, restorable, versions };
  }

  /**
   * What retention needs, from one read of the record: the template the
   * current minutes were written with, and when they were approved. No
   * history, no diffs: retention asks this of every meeting, hourly.
   */
  async retentionFacts(meetingId: string): Promise<{ template?: string; approvedAt?: string }> {
    const current = (await this.#read(meetingId)).versions.at(-1)!;
    // A draft's minutes are the stored ones; older records only have the generation event.
    const draft = current.minutes
      ? undefined
      : MinutesSchema.safeParse(await this.open.meetings.getSummary(meetingId));
    const template =
      current.minutes?.template ??
      (draft?.success ? draft.data.template : undefined) ??
      current.events.filter((e) => e.action === 'generated' && e.comment).at(-1)?.comment;
    const approvedAt = current.status === 'approved' ? current.approval?.approvedAt : undefined;
    return { ...(template ? { template } : {}), ...(approvedAt ? { approvedAt } : {}) };
  }

  /** The approval in force: the last version, when approved. */
  async approval(meetingId: string): Promise<{ version: number; approval: Approval } | undefined> {
    const current = (await this.#read(meetingId)).versions.at(-1)!;
    return current.status === 'approved' && current.approval
      ? { version: current.version, approval: current.approval }
      : undefined;
  }
}

function parseMinutes(value: unknown, meetingId: string): Minutes {
  const parsed = MinutesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'minutes-invalid',
      `the corrected minutes are not valid: ${issue?.path.join('.') || 'file'}: ${issue?.message}`,
      { hint: `start from: greffier show ${meetingId} --json (its "summary")`, exitCode: 2 },
    );
  }
  if (parsed.data.meetingId !== meetingId) {
    throw new GreffierError(
      'minutes-invalid',
      `the corrected minutes are those of meeting ${parsed.data.meetingId}, not ${meetingId}`,
      { hint: 'correct the minutes of this meeting', exitCode: 2 },
    );
  }
  return parsed.data;
}

/** Checks an approval's own signature (the vault copy, not an export). */
export function approvalSignatureValid(meetingId: string, version: number, a: Approval): boolean {
  const { signature, publicKeyPem, ...fields } = a;
  try {
    return verify(
      null,
      approvalPayload(meetingId, version, fields),
      createPublicKey(publicKeyPem),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}
