import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault } from '../../src/core/meetings/index.js';
import { projectRoot } from '../../src/core/paths.js';

interface CorpusMeeting {
  id: string;
  title: string;
  startedAt: string;
  segments: { id: string; startMs: number; endMs: number; speaker?: string; text: string }[];
}

/**
 * A home folder whose vault holds the corpus's meetings whose id starts with
 * `prefix` (« conseil- »: the March and June French councils), transcripts
 * only, or no meeting at all with `prefix: null`. The key derivation is cheap:
 * these scenarios are about the screens, not the vault's cost.
 */
export async function corpusHome(passphrase: string, prefix: string | null): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'greffier-e2e-corpus-'));
  const corpus = JSON.parse(
    readFileSync(join(projectRoot(), 'tests/fixtures/corpus/meetings.json'), 'utf8'),
  ) as { meetings: CorpusMeeting[] };
  const open = await createVault(join(home, 'vault'), Buffer.from(passphrase), {
    kdf: { N: 2 ** 10, r: 8, p: 1 },
    autoLockMinutes: 0,
  });
  const chosen = prefix === null ? [] : corpus.meetings.filter((m) => m.id.startsWith(prefix));
  for (const source of chosen) {
    const meeting = await open.meetings.create({
      title: source.title,
      startedAt: source.startedAt,
      language: 'fr',
    });
    await open.meetings.finish(meeting.id);
    await open.meetings.setTranscript(
      meeting.id,
      source.segments.map((s) => ({
        id: s.id,
        startMs: s.startMs,
        endMs: s.endMs,
        text: s.text,
        ...(s.speaker ? { speakerId: s.speaker } : {}),
      })),
    );
  }
  await open.vault.lock();
  return home;
}
