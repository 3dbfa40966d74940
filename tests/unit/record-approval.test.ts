import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GreffierError } from '../../src/core/errors.js';
import { PART_HEADINGS } from '../../src/core/app/export-common.js';
import { toDocx, toMarkdown, toPdf } from '../../src/core/app/exports.js';
import { exportableMeeting, exportMeeting } from '../../src/core/app/signed-export.js';
import {
  MinutesRecord,
  Templates,
  approvalSignatureValid,
  listKeys,
  verifyExport,
  type SignatureFile,
} from '../../src/core/record/index.js';
import { exportArchive, importArchive } from '../../src/core/meetings/archive.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { meetingWithMinutes } from '../helpers/record.js';

const ARCHIVE_PASS = 'archive du conseil municipal';
const dirs: { remove(): void }[] = [];
function fresh() {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

async function rejection(promise: Promise<unknown>): Promise<GreffierError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GreffierError);
  return error as GreffierError;
}

async function approvedMeeting() {
  const open = await createTestVault(fresh());
  const audits: string[] = [];
  const record = new MinutesRecord(open, {
    onAudit: (action) => void audits.push(action),
    chainHead: async () => 'c'.repeat(64),
  });
  const id = await meetingWithMinutes(open);
  await record.submit(id, 'Greffière');
  await record.approve(id, { approver: 'Marie Dupont' });
  return { open, record, id, audits };
}

const verifyWith = (bytes: Buffer, sig: SignatureFile, trustedKeyPem?: string) =>
  verifyExport(bytes, sig, {
    headings: PART_HEADINGS,
    ...(trustedKeyPem ? { trustedKeyPem } : {}),
  });

describe('minutes lifecycle', () => {
  it('goes draft → submitted → returned → submitted → approved, signed, with the audit events', async () => {
    const open = await createTestVault(fresh());
    const audits: string[] = [];
    const record = new MinutesRecord(open, { onAudit: (a) => void audits.push(a) });
    const id = await meetingWithMinutes(open);
    expect((await record.history(id)).status).toBe('draft');
    await record.submit(id, 'Greffière');
    expect(open.meetings.getMeeting(id).minutesStatus).toBe('submitted');
    expect((await rejection(record.returnMinutes(id, 'Maire', '  '))).code).toBe(
      'return-needs-comment',
    );
    await record.returnMinutes(id, 'Maire', 'Préciser le vote');
    expect(open.meetings.getMeeting(id).minutesStatus).toBe('returned');
    expect((await rejection(record.approve(id, { approver: 'Maire' }))).code).toBe('minutes-state');
    await record.submit(id);
    const approved = await record.approve(id, { approver: 'Marie Dupont' });
    expect(approved.status).toBe('approved');
    const a = approved.approval!;
    expect(a.minutesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.transcriptSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(approvalSignatureValid(id, 1, a)).toBe(true);
    expect(approvalSignatureValid(id, 1, { ...a, minutesSha256: '0'.repeat(64) })).toBe(false);
    // The approver's key was created on first approval, private half not shown.
    const keys = await listKeys(open.vault);
    expect(keys.map((k) => k.name)).toEqual(['Marie Dupont']);
    expect(JSON.stringify(keys)).not.toContain('PRIVATE');
    expect(audits).toEqual([
      'minutes.submitted',
      'minutes.returned',
      'minutes.submitted',
      'minutes.approved',
    ]);
    await open.vault.lock();
  });

  it('records the audit chain head in the approval when the vault keeps one', async () => {
    const { open, record, id } = await approvedMeeting();
    expect((await record.approval(id))!.approval.chainHead).toBe('c'.repeat(64));
    await open.vault.lock();
  });

  it('approved minutes refuse edits; a correction makes version 2 with its reason and a diff', async () => {
    const { open, record, id, audits } = await approvedMeeting();
    const summary = (await open.meetings.getSummary(id)) as Record<string, unknown>;
    expect((await rejection(open.meetings.setSummary(id, summary))).code).toBe('minutes-locked');
    expect((await rejection(open.meetings.editSegment(id, 's0001', { text: 'x' }))).code).toBe(
      'minutes-locked',
    );
    expect((await rejection(open.meetings.setTranscript(id, []))).code).toBe('minutes-locked');
    expect((await rejection(record.correct(id, { reason: '' }))).code).toBe(
      'correction-needs-reason',
    );
    await record.correct(id, {
      reason: 'Erreur sur le vote',
      by: 'Greffière',
      minutes: { ...summary, overview: 'Le conseil a adopté le budget (23 voix).' },
    });
    const history = await record.history(id);
    expect(history.status).toBe('draft');
    expect(history.versions.map((v) => [v.version, v.status, v.reason])).toEqual([
      [1, 'approved', undefined],
      [2, 'draft', 'Erreur sur le vote'],
    ]);
    expect(history.versions[1]!.diff.filter((d) => d.op !== 'same')).toEqual([
      { op: 'removed', text: 'Le conseil a adopté le budget.' },
      { op: 'added', text: 'Le conseil a adopté le budget (23 voix).' },
    ]);
    expect(audits.at(-1)).toBe('minutes.corrected');
    // The draft is editable again.
    await open.meetings.editSegment(id, 's0001', { text: 'La séance est ouverte.' });
    await open.vault.lock();
  });
});

describe('archives', () => {
  it('an approved meeting moved by archive keeps its approval and stays read-only', async () => {
    const { open, record, id } = await approvedMeeting();
    const out = join(fresh(), 'seance.greffier');
    await exportArchive(open.meetings, [id], out, Buffer.from(ARCHIVE_PASS));
    await open.vault.lock();
    const to = await createTestVault(fresh());
    await importArchive(to.meetings, out, Buffer.from(ARCHIVE_PASS));
    expect(to.meetings.getMeeting(id).minutesStatus).toBe('approved');
    expect((await new MinutesRecord(to).approval(id))?.approval.approver).toBe('Marie Dupont');
    expect((await rejection(to.meetings.editSegment(id, 's0001', { text: 'x' }))).code).toBe(
      'minutes-locked',
    );
    void record;
    await to.vault.lock();
  });
});

describe('signed exports', () => {
  for (const format of ['pdf', 'docx', 'md'] as const) {
    it(`a signed ${format} verifies, and names a changed minutes or transcript character`, async () => {
      const { open, record, id } = await approvedMeeting();
      const { bytes, signature } = await exportMeeting(open, id, format, record);
      expect(signature).toBeDefined();
      const sig = signature!;
      const key = (await listKeys(open.vault))[0]!;
      const good = await verifyWith(bytes, sig, key.publicKeyPem);
      expect(good.problems).toEqual([]);
      expect(good.ok && good.keyTrusted).toBe(true);

      // The same document rendered with one character changed, the old signature kept.
      const { meeting } = await exportableMeeting(open, id, record);
      const render = (m: typeof meeting) =>
        format === 'pdf'
          ? toPdf(m)
          : format === 'docx'
            ? toDocx(m)
            : Promise.resolve(Buffer.from(toMarkdown(m)));
      const minutesChanged = await render({
        ...meeting,
        minutes: { ...meeting.minutes!, overview: 'Le conseil a adopté le budget!' },
      });
      const m = await verifyWith(minutesChanged, sig, key.publicKeyPem);
      expect(m.problems.map((p) => p.part)).toEqual(['minutes']);
      expect(m.problems[0]!.message).toMatch(/^minutes hash/);

      const segments = meeting.segments.map((s, i) =>
        i === 1 ? { ...s, text: s.text.replace('budget', 'budjet') } : s,
      );
      const transcriptChanged = await render({ ...meeting, segments });
      expect(
        (await verifyWith(transcriptChanged, sig, key.publicKeyPem)).problems.map((p) => p.part),
      ).toEqual(['transcript']);
      await open.vault.lock();
    });
  }

  it('names the key and the signature when they do not match', async () => {
    const { open, record, id } = await approvedMeeting();
    const { bytes, signature } = await exportMeeting(open, id, 'md', record);
    const other = generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const wrongKey = await verifyWith(bytes, signature!, other);
    expect(wrongKey.problems.map((p) => p.part)).toEqual(['key', 'signature']);
    const forged = { ...signature!, record: { ...signature!.record, approver: 'Quelqu’un' } };
    expect((await verifyWith(bytes, forged)).problems.map((p) => p.part)).toEqual(['signature']);
    await open.vault.lock();
  });

  it('a draft exports without a signature', async () => {
    const open = await createTestVault(fresh());
    const id = await meetingWithMinutes(open);
    const result = await exportMeeting(open, id, 'pdf');
    expect(result.signature).toBeUndefined();
    await open.vault.lock();
  });
});

describe('templates the clerk owns', () => {
  it('copies a built-in one, edits it, refuses built-in ids and names an invalid field', async () => {
    const open = await createTestVault(fresh());
    const templates = new Templates(open.vault);
    const copy = await templates.copy('council-session', 'conseil-ville');
    expect(copy.limits?.decisions).toBe(6);
    await templates.save({ ...copy, limits: { decisions: 3 }, retention: { audioDays: 30 } });
    expect((await templates.get('conseil-ville')).retention).toEqual({ audioDays: 30 });
    expect((await templates.list()).find((e) => e.template.id === 'general')!.builtIn).toBe(true);
    const builtIn = await rejection(templates.save({ ...copy, id: 'general' }));
    expect(builtIn.code).toBe('template-builtin');
    const bad = await rejection(templates.save({ ...copy, limits: { decisions: 300 } }));
    expect(bad.code).toBe('template-invalid');
    expect(bad.message).toContain('"limits.decisions"');
    const typo = await rejection(templates.save({ ...copy, instrucions: copy.instructions }));
    expect(typo.message).toContain('instrucions');
    const empty = await rejection(templates.save({ ...copy, instructions: { fr: ' ', en: 'x' } }));
    expect(empty.message).toContain('"instructions.fr"');
    await open.vault.lock();
  });
});
