import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault } from '../../src/core/meetings/index.js';
import { projectRoot } from '../../src/core/paths.js';
import { TEST_KDF } from './vault.js';

export interface CorpusMeeting {
  id: string;
  title: string;
  startedAt: string;
  language: 'fr' | 'en';
  segments: { id: string; startMs: number; endMs: number; speaker?: string; text: string }[];
}

/** The meetings of the test corpus (tests/fixtures/corpus/meetings.json). */
export function corpusMeetings(): CorpusMeeting[] {
  const path = join(projectRoot(), 'tests/fixtures/corpus/meetings.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { meetings: CorpusMeeting[] }).meetings;
}

/** A corpus meeting's segments as a stored transcript (the speaker as its id). */
export function transcriptOf(source: Pick<CorpusMeeting, 'segments'>) {
  return source.segments.map((segment) => ({
    id: segment.id,
    startMs: segment.startMs,
    endMs: segment.endMs,
    text: segment.text,
    ...(segment.speaker ? { speakerId: segment.speaker } : {}),
  }));
}

/**
 * A new GREFFIER_HOME whose vault (locked again) holds the corpus meetings
 * `pick` keeps, in French, with their transcripts; with `audio`, each also
 * gets silence as long as its transcript (for the player). Cheap key
 * derivation: the scenarios using it are about questions, not the vault's cost.
 */
export async function corpusHome(options: {
  passphrase: string;
  name: string;
  pick(meeting: CorpusMeeting): boolean;
  audio?: boolean;
}): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), `greffier-${options.name}-`));
  const open = await createVault(join(home, 'vault'), Buffer.from(options.passphrase), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
  });
  for (const source of corpusMeetings().filter(options.pick)) {
    const meeting = await open.meetings.create({
      title: source.title,
      startedAt: source.startedAt,
      language: 'fr',
    });
    if (options.audio) {
      // Silence, ten seconds at a time.
      const endMs = Math.max(...source.segments.map((segment) => segment.endMs));
      for (let ms = 0; ms < endMs; ms += 10_000) {
        await open.meetings.appendAudio(
          meeting.id,
          new Int16Array(16 * Math.min(10_000, endMs - ms)),
        );
      }
    }
    await open.meetings.finish(meeting.id);
    await open.meetings.setTranscript(meeting.id, transcriptOf(source));
  }
  await open.vault.lock();
  return home;
}
