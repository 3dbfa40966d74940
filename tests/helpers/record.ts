import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, type OpenVault } from '../../src/core/meetings/index.js';
import { locateVault } from '../../src/core/vault/location.js';
import type { Minutes } from '../../src/shared/minutes.js';
import { TEST_KDF } from './vault.js';

/** A finished meeting with a short French transcript and minutes, ready to submit. */
export async function meetingWithMinutes(open: OpenVault): Promise<string> {
  const { meetings } = open;
  const meeting = await meetings.create({
    title: 'Conseil municipal du 3 mars',
    language: 'fr',
    startedAt: '2026-03-03T18:00:00Z',
  });
  await meetings.finish(meeting.id);
  await meetings.setTranscript(meeting.id, [
    { startMs: 0, endMs: 4000, text: 'La séance est ouverte à dix-neuf heures.', speakerId: 'S1' },
    { startMs: 4000, endMs: 9000, text: 'Le budget est adopté à l’unanimité.', speakerId: 'S2' },
  ]);
  const minutes: Minutes = {
    meetingId: meeting.id,
    language: 'fr',
    template: 'council-session',
    title: 'Conseil municipal du 3 mars',
    overview: 'Le conseil a adopté le budget.',
    decisions: [{ text: 'Budget adopté à l’unanimité', segmentIds: ['s0002'] }],
    actionItems: [{ owner: 'Maire', task: 'Publier la délibération', segmentIds: ['s0002'] }],
    openQuestions: [],
    topics: ['budget'],
    interventions: [{ speaker: 'S2', summary: 'Présente le budget.' }],
    generatedAt: '2026-03-03T20:00:00Z',
    model: 'test.gguf',
    method: { chunks: 1, contextSize: 2048 },
  };
  await meetings.setSummary(meeting.id, minutes);
  return meeting.id;
}

/** A new GREFFIER_HOME whose vault (locked again) holds `meetingWithMinutes`: for the app to open. */
export async function homeWithMinutes(
  passphrase: string,
  name: string,
  /** More to put in the vault before it locks (the meeting is there). */
  prepare: (open: OpenVault, meetingId: string) => Promise<void> = async () => undefined,
): Promise<{ home: string; meetingId: string }> {
  const home = mkdtempSync(join(tmpdir(), `greffier-${name}-`));
  const open = await createVault(
    locateVault({ GREFFIER_HOME: home }).dir,
    Buffer.from(passphrase),
    {
      kdf: TEST_KDF,
      autoLockMinutes: 0,
    },
  );
  const meetingId = await meetingWithMinutes(open);
  await prepare(open, meetingId);
  await open.vault.lock();
  return { home, meetingId };
}
