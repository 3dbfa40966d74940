// Walk helper (not a test): a vault at $1/vault holding the corpus's French meetings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVault } from '../src/core/meetings/index.js';

const home = process.argv[2]!;
const which = process.argv[3] ?? 'fr';
const corpus = JSON.parse(readFileSync('tests/fixtures/corpus/meetings.json', 'utf8')) as {
  meetings: {
    id: string;
    title: string;
    startedAt: string;
    language: 'fr' | 'en';
    segments: { id: string; startMs: number; endMs: number; speaker?: string; text: string }[];
  }[];
};
const open = await createVault(
  join(home, 'vault'),
  Buffer.from('questions du conseil à voix haute'),
  {
    kdf: { N: 2 ** 10, r: 8, p: 1 },
    autoLockMinutes: 0,
  },
);
if (which !== 'empty')
  for (const source of corpus.meetings.filter((m) => m.language === 'fr')) {
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
console.log('seeded', home);
