import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPassphraseFile } from '../../src/cli/passphrase.js';
import { GreffierError } from '../../src/core/errors.js';
import { JobNotReady } from '../../src/core/meetings/jobs.js';
import {
  createTestVault,
  openTestVault,
  plaintextHits,
  syntheticChunk,
  tempDir,
} from '../helpers/vault.js';

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

describe('meetings API', () => {
  it('lists with filters: dates, status, accent-insensitive title text, language', async () => {
    const { vault, meetings } = await createTestVault(fresh());
    const a = await meetings.create({
      title: 'Conseil municipal — Été',
      language: 'fr',
      startedAt: '2026-06-01T09:00:00Z',
    });
    await meetings.finish(a.id);
    const b = await meetings.create({
      title: 'Board review',
      language: 'en',
      startedAt: '2026-09-15T14:00:00Z',
    });
    await meetings.finish(b.id);
    const c = await meetings.create({ title: 'Entretien RH', startedAt: '2026-11-20T10:00:00Z' });
    expect(meetings.list().map((m) => m.id)).toEqual([c.id, b.id, a.id]);
    expect(meetings.list({ text: 'ete' }).map((m) => m.id)).toEqual([a.id]);
    expect(meetings.list({ text: 'CONSEIL' }).map((m) => m.id)).toEqual([a.id]);
    expect(meetings.list({ language: 'en' }).map((m) => m.id)).toEqual([b.id]);
    expect(meetings.list({ status: ['recording'] }).map((m) => m.id)).toEqual([c.id]);
    expect(meetings.list({ from: '2026-06-02', to: '2026-11-20' }).map((m) => m.id)).toEqual([
      c.id,
      b.id,
    ]);
    expect(meetings.list({ to: '2026-06-01' }).map((m) => m.id)).toEqual([a.id]);
    await vault.lock();
  });

  it('refuses a blank title, audio for a meeting not recording, an unknown id', async () => {
    const { vault, meetings } = await createTestVault(fresh());
    expect((await rejection(meetings.create({ title: '   ' }))).oneLine()).toMatch(
      /needs a title of 1 to 500 characters — give one with --title/,
    );
    const m = await meetings.create({ title: 'x' });
    await meetings.finish(m.id);
    expect((await meetings.finish(m.id)).status).toBe('ready');
    expect((await rejection(meetings.appendAudio(m.id, syntheticChunk(0)))).oneLine()).toMatch(
      /is not recording/,
    );
    expect((await rejection(meetings.get('mnope'))).oneLine()).toMatch(
      /there is no meeting "mnope" in this vault — run "greffier list"/,
    );
    expect(() => meetings.getMeeting('../../etc')).toThrow(/no meeting/);
    expect(() => meetings.getMeeting('__proto__')).toThrow(/no meeting/);
    expect(() => vault.meetingKey('constructor')).toThrow(/no meeting/);
    await expect(meetings.delete('../../etc')).rejects.toThrow(/no meeting/);
    await vault.lock();
  });

  it('stores a transcript with segment ids and speakers, edits a segment, renames a speaker', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    const m = await meetings.create({ title: 'Audition disciplinaire' });
    await meetings.finish(m.id);
    const saved = await meetings.setTranscript(m.id, [
      { startMs: 0, endMs: 2000, text: 'La séance est ouverte', speakerId: 'S1' },
      { startMs: 2000, endMs: 4000, text: 'Merci madame la présidente', speakerId: 'S2' },
    ]);
    expect(saved.segmentCount).toBe(2);
    expect(saved.speakers.map((s) => s.id)).toEqual(['S1', 'S2']);
    await meetings.renameSpeaker(m.id, 'S1', 'Mme Dupont', 'présidente');
    const edited = await meetings.editSegment(m.id, 's0002', {
      text: 'Merci madame la présidente.',
    });
    expect(edited).toMatchObject({ id: 's0002', edited: true });
    await meetings.editSegment(m.id, 's0001', { speakerId: 'S2' });
    expect((await rejection(meetings.editSegment(m.id, 's0009', { text: 'x' }))).oneLine()).toMatch(
      /has no segment "s0009"/,
    );
    expect(
      (await rejection(meetings.editSegment(m.id, 's0001', { speakerId: 'S7' }))).oneLine(),
    ).toMatch(/has no speaker "S7"/);
    expect(
      (
        await rejection(
          meetings.setTranscript(m.id, [
            { id: 'a', startMs: 0, endMs: 1, text: 'x' },
            { id: 'a', startMs: 1, endMs: 2, text: 'y' },
          ]),
        )
      ).oneLine(),
    ).toMatch(/segment id "a" appears twice/);
    await meetings.setSummary(m.id, {
      title: 'Procès-verbal',
      decisions: [{ text: 'Sanction levée', segmentIds: ['s0001'] }],
    });
    await vault.lock();

    const again = await openTestVault(dir);
    const detail = await again.meetings.get(m.id);
    expect(detail.speakers).toContainEqual({ id: 'S1', name: 'Mme Dupont', role: 'présidente' });
    expect(detail.segments.map((s) => [s.id, s.speakerId, s.text])).toEqual([
      ['s0001', 'S2', 'La séance est ouverte'],
      ['s0002', 'S2', 'Merci madame la présidente.'],
    ]);
    expect(detail.summary).toMatchObject({ title: 'Procès-verbal' });
    expect(
      plaintextHits(dir, ['Audition', 'Dupont', 'séance', 'Procès-verbal', 'Sanction']),
    ).toEqual([]);
    await again.vault.lock();
  });

  it('deletes a meeting with its jobs and files', async () => {
    const dir = fresh();
    const { vault, meetings, jobs } = await createTestVault(dir);
    const m = await meetings.create({ title: 'to delete' });
    await meetings.appendAudio(m.id, syntheticChunk(0));
    await jobs.enqueue('transcribe', m.id);
    await meetings.delete(m.id);
    expect(meetings.list()).toEqual([]);
    expect(jobs.list()).toEqual([]);
    expect(() => vault.meetingKey(m.id)).toThrow(/no meeting/);
    await vault.lock();
  });
});

describe('jobs', () => {
  it('records a job before it runs, and marks done, failed or still waiting', async () => {
    const { vault, meetings, jobs } = await createTestVault(fresh());
    const m = await meetings.create({ title: 'jobs' });
    await meetings.finish(m.id);
    const job = await jobs.enqueue('summarize', m.id, { template: 'council' });
    expect(jobs.pending().map((j) => j.id)).toEqual([job.id]);
    let seenState = '';
    const done = await jobs.run(job.id, {
      summarize: async ({ meetings: ms, job: j }) => {
        seenState = vault.data.jobs.find((x) => x.id === j.id)!.state;
        expect(ms.getMeeting(j.meetingId).status).toBe('summarising');
        await ms.setSummary(j.meetingId, { ok: true });
      },
    });
    expect(seenState).toBe('running');
    expect(done).toMatchObject({ state: 'done', attempts: 1 });
    expect(meetings.getMeeting(m.id).status).toBe('ready');

    const failing = await jobs.enqueue('transcribe', m.id);
    const failed = await jobs.run(failing.id, {
      transcribe: async () => {
        throw new GreffierError('engine', 'whisper crashed');
      },
    });
    expect(failed).toMatchObject({ state: 'failed', error: 'whisper crashed' });
    expect(meetings.getMeeting(m.id)).toMatchObject({
      status: 'failed',
      statusNote: 'transcribe failed: whisper crashed',
    });

    const waiting = await jobs.enqueue('index', m.id);
    const result = await jobs.resume({
      index: async () => {
        throw new JobNotReady('no-model', 'no embedding model', 'install one');
      },
    });
    expect(result.ran).toEqual([]);
    expect(result.waiting.map((j) => [j.id, j.state, j.attempts])).toEqual([
      [waiting.id, 'queued', 0],
    ]);
    expect((await jobs.resume({})).waiting.map((j) => j.id)).toEqual([waiting.id]);
    await expect(jobs.run(waiting.id, {})).rejects.toThrow(/no index engine is available/);
    await vault.lock();
  });

  it('turns jobs left running by a dead process back into queued ones on open', async () => {
    const dir = fresh();
    const { vault, meetings, jobs } = await createTestVault(dir);
    const m = await meetings.create({ title: 'crash' });
    await meetings.finish(m.id);
    const job = await jobs.enqueue('transcribe', m.id);
    vault.data.jobs[0]!.state = 'running';
    await vault.save();
    await vault.lock();
    const again = await openTestVault(dir);
    expect(again.vault.lastRecovery.requeuedJobs).toEqual([job.id]);
    expect(again.jobs.pending().map((j) => j.id)).toEqual([job.id]);
    await again.vault.lock();
  });
});

describe('passphrase files', () => {
  it('drops one trailing newline (LF or CRLF), keeps the rest, refuses empty files', async () => {
    const dir = fresh();
    const file = join(dir, 'p');
    writeFileSync(file, 'two words \r\n');
    expect((await readPassphraseFile(file)).toString()).toBe('two words ');
    writeFileSync(file, 'keep\n\n');
    expect((await readPassphraseFile(file)).toString()).toBe('keep\n');
    writeFileSync(file, '\n');
    const error = await rejection(readPassphraseFile(file));
    expect(error.oneLine()).toMatch(/passphrase file .* is empty — write the passphrase into it/);
    expect(error.exitCode).toBe(2);
  });
});
