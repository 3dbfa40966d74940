import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/core/audit/index.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import {
  retentionOf,
  retentionPreview,
  setLegalHold,
  setMeetingRule,
  type RetentionPlan,
} from '../../src/core/retention/index.js';
import { scanJournal } from '../../src/core/vault/journal.js';
import { stageRekey } from '../../src/core/vault/rekey.js';
import { newKey } from '../../src/core/vault/crypto.js';
import { runGreffier } from '../helpers/cli.js';
import {
  createTestVault,
  openTestVault,
  syntheticChunk,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const DAY = 86_400_000;
const home = tempDir('greffier-retention-');
const vaultDir = join(home.path, 'vault');
const ids: Record<string, string> = {};

async function meeting(open: OpenVault, name: string, daysAgo: number): Promise<string> {
  const m = await open.meetings.create({
    title: `Séance ${name}`,
    startedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
  });
  await open.meetings.appendAudio(m.id, syntheticChunk(0));
  await open.meetings.finish(m.id);
  await open.meetings.setTranscript(m.id, [
    { startMs: 0, endMs: 1000, text: `Transcription ${name}` },
  ]);
  await open.meetings.setSummary(m.id, { overview: `Compte rendu ${name}` });
  ids[name] = m.id;
  return m.id;
}

beforeAll(async () => {
  const open = await createTestVault(vaultDir);
  await setMeetingRule(open, await meeting(open, 'partial', 400), {
    audioDays: 30,
    transcriptDays: 365,
  });
  await setMeetingRule(open, await meeting(open, 'recent', 100), {
    audioDays: 30,
    transcriptDays: 365,
  });
  await setMeetingRule(open, await meeting(open, 'expired', 400), {
    audioDays: 10,
    transcriptDays: 10,
    minutesDays: 10,
  });
  await setMeetingRule(open, await meeting(open, 'held', 400), {
    audioDays: 10,
    transcriptDays: 10,
    minutesDays: 10,
  });
  await setLegalHold(open, ids.held!, true, 'affaire 2026-17');
  await meeting(open, 'norule', 4000);
  await open.vault.lock();
});
afterAll(() => home.remove());

describe('retention', () => {
  let preview: RetentionPlan;

  it('previews what is due, and what a legal hold suspends', async () => {
    const open = await openTestVault(vaultDir);
    try {
      preview = await retentionPreview(open);
      expect(preview.items.map((i) => [i.title, i.part]).sort()).toEqual([
        ['Séance expired', 'meeting'],
        ['Séance partial', 'audio'],
        ['Séance partial', 'transcript'],
        ['Séance recent', 'audio'],
      ]);
      expect(preview.held.map((i) => [i.title, i.part])).toEqual([['Séance held', 'meeting']]);
      // A template's rule (passed in) applies where the meeting has none of its own.
      const withTemplate = await retentionPreview(open, { ruleFor: () => ({ minutesDays: 3650 }) });
      expect(
        withTemplate.items.filter((i) => i.title === 'Séance norule').map((i) => i.part),
      ).toEqual(['minutes']);
    } finally {
      await open.vault.lock();
    }
  });

  it('deletes exactly what the preview listed, audited, and nothing under hold', async () => {
    // Copies of the partial meeting's audio and key as they are now: after retention
    // the copy must open with nothing the vault holds (crypto-shredded, not just removed).
    const before = await openTestVault(vaultDir);
    const partialDir = join(vaultDir, 'meetings', ids.partial!);
    const oldJournal = join(home.path, 'journal-copy');
    copyFileSync(join(partialDir, 'audio.journal'), oldJournal);
    const oldWrapped = before.vault.data.meetings[ids.partial!]!.wrappedKey;
    await before.vault.lock();

    const pass = join(home.path, 'pass');
    writeFileSync(pass, TEST_PASSPHRASE);
    const env = { ...process.env, GREFFIER_HOME: home.path };
    const dry = await runGreffier(env, [
      'retention',
      'apply',
      '--dry-run',
      '--json',
      '--passphrase-file',
      pass,
    ]);
    expect((JSON.parse(dry.stdout) as RetentionPlan).items).toEqual(preview.items);
    const run = await runGreffier(env, ['retention', 'apply', '--json', '--passphrase-file', pass]);
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as RetentionPlan).items).toEqual(preview.items);

    const open = await openTestVault(vaultDir);
    try {
      // The expired meeting is gone as after a delete: no key, no folder.
      expect(Object.keys(open.vault.data.meetings)).not.toContain(ids.expired);
      expect(existsSync(join(vaultDir, 'meetings', ids.expired!))).toBe(false);
      await expect(open.meetings.getSegments(ids.expired!)).rejects.toMatchObject({
        code: 'no-meeting',
      });
      // Partial: audio and transcript gone, minutes kept.
      const partial = ids.partial!;
      expect(existsSync(join(vaultDir, 'meetings', partial, 'audio.journal'))).toBe(false);
      expect(existsSync(join(vaultDir, 'meetings', partial, 'transcript.enc'))).toBe(false);
      expect(existsSync(join(vaultDir, 'meetings', partial, 'transcript.enc.bak'))).toBe(false);
      expect(await open.meetings.getSegments(partial)).toEqual([]);
      expect(await open.meetings.getSummary(partial)).toEqual({ overview: 'Compte rendu partial' });
      expect(open.vault.data.meetings[partial]!.wrappedKey).not.toBe(oldWrapped);
      // Not one chunk of the old audio opens with the meeting's key now.
      expect((await scanJournal(oldJournal, partial, open.vault.meetingKey(partial))).chunks).toBe(
        0,
      );
      expect(readdirSync(partialDir).sort()).toEqual(['summary.enc']);
      expect((await retentionOf(open, partial)).removed).toMatchObject({
        audio: expect.any(String),
        transcript: expect.any(String),
      });
      // Recent: only the audio.
      expect(await open.meetings.getSegments(ids.recent!)).toHaveLength(1);
      expect(existsSync(join(vaultDir, 'meetings', ids.recent!, 'audio.journal'))).toBe(false);
      // Held: untouched.
      expect(await open.meetings.getSegments(ids.held!)).toHaveLength(1);
      expect(existsSync(join(vaultDir, 'meetings', ids.held!, 'audio.journal'))).toBe(true);
      const audited = await readAudit(open.vault, { action: 'retention.deleted' });
      expect(audited.map((e) => [e.meetingId, e.details?.part])).toEqual(
        preview.items.map((i) => [i.meetingId, i.part]),
      );
      // Nothing left due; the hold still suspends the held meeting.
      const after = await retentionPreview(open);
      expect(after.items).toEqual([]);
      expect(after.held).toHaveLength(1);
      await setLegalHold(open, ids.held!, false);
      expect((await retentionPreview(open)).items.map((i) => i.meetingId)).toEqual([ids.held]);
    } finally {
      await open.vault.lock();
    }
  });

  it('undoes a re-key that a crash stopped before its commit', async () => {
    let open = await openTestVault(vaultDir);
    const id = ids.held!;
    const dir = join(vaultDir, 'meetings', id);
    await stageRekey(
      dir,
      id,
      open.vault.meetingKey(id),
      newKey(),
      (name) => name !== 'audio.journal',
    );
    expect(readdirSync(dir).some((n) => n.endsWith('.rekey'))).toBe(true);
    await open.vault.lock();
    open = await openTestVault(vaultDir);
    try {
      expect(readdirSync(dir).some((n) => n.endsWith('.rekey'))).toBe(false);
      expect(await open.meetings.getSegments(id)).toHaveLength(1);
      expect(await open.meetings.getSummary(id)).toEqual({ overview: 'Compte rendu held' });
    } finally {
      await open.vault.lock();
    }
  });
});
