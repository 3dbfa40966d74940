import { afterAll, describe, expect, it } from 'vitest';
import { GreffierError } from '../../src/core/errors.js';
import { createTestVault, syntheticChunk, tempDir } from '../helpers/vault.js';

const dir = tempDir('greffier-jobs-');
afterAll(() => dir.remove());
let n = 0;
const fresh = () => `${dir.path}/v${n++}`;

describe('a failed step never poisons a meeting', () => {
  it('a failed redraft leaves the meeting ready; the next good one clears the error', async () => {
    const { vault, meetings, jobs } = await createTestVault(fresh());
    const m = await meetings.create({ title: 'Conseil' });
    await meetings.appendAudio(m.id, syntheticChunk(0));
    await meetings.finish(m.id);
    await meetings.setTranscript(m.id, [{ startMs: 0, endMs: 1000, text: 'Bonjour.' }]);

    const bad = await jobs.enqueue('summarize', m.id, { template: 'council-session' });
    const failed = await jobs.run(bad.id, {
      summarize: async () => {
        throw new GreffierError('context-too-small', 'a 4096-token context is too small');
      },
    });
    expect(failed.state).toBe('failed');
    // The meeting still has its transcript: it stays ready, the error stays on the job.
    expect(meetings.getMeeting(m.id).status).toBe('ready');
    expect(meetings.getMeeting(m.id).statusNote).toBeUndefined();

    const good = await jobs.enqueue('summarize', m.id, { template: 'general' });
    expect((await jobs.run(good.id, { summarize: async () => undefined })).state).toBe('done');
    expect(jobs.list({ meetingId: m.id }).map((j) => [j.kind, j.state])).toEqual([
      ['summarize', 'done'],
    ]);
    await vault.lock();
  });

  it('a failed first transcription marks the meeting failed until a later one succeeds', async () => {
    const { vault, meetings, jobs } = await createTestVault(fresh());
    const m = await meetings.create({ title: 'Commission' });
    await meetings.appendAudio(m.id, syntheticChunk(0));
    await meetings.finish(m.id);
    const first = await jobs.enqueue('transcribe', m.id);
    await jobs.run(first.id, {
      transcribe: async () => {
        throw new GreffierError('engine', 'whisper crashed');
      },
    });
    expect(meetings.getMeeting(m.id)).toMatchObject({ status: 'failed' });

    const again = await jobs.enqueue('transcribe', m.id);
    await jobs.run(again.id, {
      transcribe: async ({ meetings: ms, job }) => {
        await ms.setTranscript(job.meetingId, [{ startMs: 0, endMs: 1000, text: 'Bonjour.' }]);
      },
    });
    const after = meetings.getMeeting(m.id);
    expect(after.status).toBe('ready');
    expect(after.statusNote).toBeUndefined();
    expect(jobs.list({ meetingId: m.id }).map((j) => j.state)).toEqual(['done']);
    await vault.lock();
  });
});
