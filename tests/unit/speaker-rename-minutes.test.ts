// Issue 13, left from the last session: « Minutes keep « Intervenant A »
// until they are regenerated ». Naming a voice after the minutes were written
// must show the name in the minutes, their exports, what search and answers
// read, and the notes the next minutes are written from; submitted or
// approved minutes are the record as approved and refuse the rename.
import { afterEach, describe, expect, it } from 'vitest';
import { toMarkdown } from '../../src/core/app/exports.js';
import { exportableMeeting } from '../../src/core/app/signed-export.js';
import { LIVE_MINUTES_BLOB, loadLiveMinutes } from '../../src/core/llm/live-minutes.js';
import { renameInLiveNotes, renameInMinutes } from '../../src/core/meetings/renames.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { MinutesRecord } from '../../src/core/record/index.js';
import { indexableMeeting } from '../../src/core/search/store.js';
import type { Minutes } from '../../src/shared/minutes.js';
import { createTestVault, tempDir } from '../helpers/vault.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

async function meetingNamedByVoices(open: OpenVault): Promise<string> {
  const { meetings } = open;
  const meeting = await meetings.create({ title: 'Commission des finances', language: 'fr' });
  await meetings.finish(meeting.id);
  await meetings.setTranscript(meeting.id, [
    { startMs: 0, endMs: 4000, text: 'Je propose d’augmenter le budget.', speakerId: 'voice1' },
    { startMs: 4000, endMs: 8000, text: 'Je suis contre.', speakerId: 'voice2' },
  ]);
  await meetings.renameSpeaker(meeting.id, 'voice1', 'Intervenant A');
  await meetings.renameSpeaker(meeting.id, 'voice2', 'Intervenant AB');
  const minutes: Minutes = {
    meetingId: meeting.id,
    language: 'fr',
    template: 'general',
    title: 'Commission des finances',
    overview: 'Intervenant A propose une hausse ; Intervenant AB s’y oppose.',
    decisions: [{ text: 'Proposition d’Intervenant A renvoyée', segmentIds: ['s0001'] }],
    actionItems: [{ owner: 'Intervenant A', task: 'Chiffrer la hausse', segmentIds: ['s0001'] }],
    openQuestions: ['Intervenant A a-t-il un devis ?'],
    topics: ['budget'],
    interventions: [
      { speaker: 'Intervenant A', summary: 'Propose la hausse.' },
      { speaker: 'Intervenant AB', summary: 'S’y oppose.' },
    ],
    generatedAt: '2026-11-30T08:00:00Z',
    model: 'Intervenant A.gguf',
    method: { chunks: 1, contextSize: 2048 },
  };
  await meetings.setSummary(meeting.id, minutes);
  return meeting.id;
}

describe('a speaker named after the minutes were written', () => {
  it('replaces whole names only, never ids, codes or dates', () => {
    const { minutes, changed } = renameInMinutes(
      {
        overview: 'Intervenant A, puis Intervenant AB et (Intervenant A).',
        model: 'Intervenant A',
        decisions: [{ text: 'Intervenant A', segmentIds: ['Intervenant A'] }],
      },
      'Intervenant A',
      'M. $1 Durand',
    );
    expect(changed).toBe(true);
    expect(minutes).toEqual({
      overview: 'M. $1 Durand, puis Intervenant AB et (M. $1 Durand).',
      model: 'Intervenant A',
      decisions: [{ text: 'M. $1 Durand', segmentIds: ['Intervenant A'] }],
    });
    expect(renameInMinutes({ overview: 'Martinez' }, 'Martin', 'Mme Martin').changed).toBe(false);
    // Notes lines are JSON inside JSON: renamed as values, written back with the prompt escapes.
    const { state } = renameInLiveNotes(
      {
        progress: {
          notes: [{ line: '{"overview":"Intervenant A parle"}', speakers: ['Intervenant A'] }],
        },
      },
      'Intervenant A',
      'Mme "Martin" <présidente>',
    );
    expect(state).toEqual({
      progress: {
        notes: [
          {
            line: '{"overview":"Mme \\"Martin\\" \\u003cprésidente\\u003e parle"}',
            speakers: ['Mme "Martin" <présidente>'],
          },
        ],
      },
    });
  });

  it('shows the name in the minutes, their export and what search reads, without regenerating', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const open = await createTestVault(dir.path);
    const id = await meetingNamedByVoices(open);
    // The recording's notes for the minutes, as live-minutes.ts saves them.
    const notes = {
      language: 'fr',
      template: 'general',
      progress: {
        meetingId: id,
        contextSize: 2048,
        chunks: 1,
        notes: [
          {
            line: '{"overview":"Intervenant A propose une hausse"}',
            tokens: 10,
            ids: ['s0001'],
            speakers: ['Intervenant A'],
          },
        ],
        pending: [],
        summarised: [
          { id: 's1', startMs: 0, endMs: 4000, text: 'Je propose.', speaker: 'Intervenant A' },
        ],
      },
    };
    await open.vault.writeMeetingBlob(id, LIVE_MINUTES_BLOB, Buffer.from(JSON.stringify(notes)));

    await open.meetings.renameSpeaker(id, 'voice1', 'Mme Martin');

    const minutes = (await open.meetings.getSummary(id)) as Minutes;
    expect(minutes.overview).toBe('Mme Martin propose une hausse ; Intervenant AB s’y oppose.');
    expect(minutes.decisions[0]!.text).toBe('Proposition d’Mme Martin renvoyée');
    expect(minutes.actionItems[0]!.owner).toBe('Mme Martin');
    expect(minutes.openQuestions).toEqual(['Mme Martin a-t-il un devis ?']);
    expect(minutes.interventions.map((i) => i.speaker)).toEqual(['Mme Martin', 'Intervenant AB']);
    expect(minutes.model).toBe('Intervenant A.gguf');
    const { meeting } = await exportableMeeting(open, id, new MinutesRecord(open));
    const markdown = toMarkdown(meeting);
    expect(markdown).toContain('Mme Martin');
    expect(markdown).not.toMatch(/Intervenant A(?![B.])/);
    const indexed = await indexableMeeting(open, open.meetings.getMeeting(id));
    expect(JSON.stringify(indexed)).not.toMatch(/Intervenant A(?![B.])/);
    const live = await loadLiveMinutes(open, id);
    expect(live!.progress.notes[0]).toMatchObject({
      line: '{"overview":"Mme Martin propose une hausse"}',
      speakers: ['Mme Martin'],
    });
    expect(live!.progress.summarised[0]!.speaker).toBe('Mme Martin');
    await open.vault.lock();
  });

  it('is refused once the minutes are submitted or approved, and allowed again when returned', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const open = await createTestVault(dir.path);
    const id = await meetingNamedByVoices(open);
    const record = new MinutesRecord(open);
    await record.submit(id, 'Greffière');
    await expect(open.meetings.renameSpeaker(id, 'voice1', 'Mme Martin')).rejects.toMatchObject({
      code: 'minutes-locked',
    });
    expect(open.meetings.getMeeting(id).speakers.find((s) => s.id === 'voice1')?.name).toBe(
      'Intervenant A',
    );
    expect(((await open.meetings.getSummary(id)) as Minutes).overview).toContain('Intervenant A');
    await record.returnMinutes(id, 'Maire', 'Nommez les intervenants.');
    await open.meetings.renameSpeaker(id, 'voice1', 'Mme Martin');
    expect(((await open.meetings.getSummary(id)) as Minutes).overview).toContain('Mme Martin');
    await record.submit(id, 'Greffière');
    await record.approve(id, { approver: 'Marie Dupont' });
    await expect(open.meetings.renameSpeaker(id, 'voice2', 'M. Durand')).rejects.toMatchObject({
      code: 'minutes-locked',
    });
    await open.vault.lock();
  });
});
