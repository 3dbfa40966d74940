import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexableMeeting } from '../../src/core/search/index.js';
import {
  currentIndex,
  INDEX_BLOB,
  loadIndex,
  syncIndex,
  vaultSegmentLookup,
} from '../../src/core/search/store.js';
import { MEETING_INDEX_FILE } from '../../src/core/vault/vault.js';
import { createTestVault, plaintextHits, tempDir } from '../helpers/vault.js';

const corpus = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/corpus/meetings.json'), 'utf8'),
) as { meetings: IndexableMeeting[] };

describe('search index kept in the vault', () => {
  const home = tempDir('greffier-index-');
  afterAll(() => home.remove());

  it('is encrypted at rest and updated meeting by meeting', async () => {
    const open = await createTestVault(join(home.path, 'vault'));
    try {
      const ids: string[] = [];
      for (const source of corpus.meetings.slice(0, 3)) {
        const meeting = await open.meetings.create({
          title: source.title!,
          startedAt: source.startedAt,
          language: source.language,
        });
        await open.meetings.finish(meeting.id);
        await open.meetings.setTranscript(
          meeting.id,
          source.segments.map(({ speaker, ...s }) => ({ ...s, speakerId: speaker })),
        );
        ids.push(meeting.id);
      }
      const index = await loadIndex(open);
      expect(index.size).toBe(0);
      expect((await syncIndex(open, index)).indexed.sort()).toEqual([...ids].sort());
      // Nothing changed: nothing is read again.
      expect(await syncIndex(open, index)).toEqual({ indexed: [], removed: [] });

      // Each meeting's part is sealed with that meeting's key, in its folder; no vault-wide index.
      for (const id of ids) {
        expect(await open.vault.readMeetingFile(id, MEETING_INDEX_FILE, 1, 'index')).toBeDefined();
      }
      expect(await open.vault.readBlob(INDEX_BLOB)).toBeUndefined();
      expect(
        plaintextHits(join(home.path, 'vault'), ['chaudière', 'piste cyclable', 'CACES']),
      ).toEqual([]);

      // A clerk's correction is searchable after the next sync, and only that meeting is re-read.
      await open.meetings.editSegment(ids[0]!, 'c7', { text: 'La voie verte sera prolongée.' });
      expect((await syncIndex(open, index)).indexed).toEqual([ids[0]]);
      expect(index.searchLexical('voie verte')[0]?.segmentId).toBe('c7');
      expect(index.searchLexical('piste cyclable', { meetingIds: [ids[0]!] })).toEqual([]);

      await open.meetings.delete(ids[1]!);
      expect((await syncIndex(open, index)).removed).toEqual([ids[1]]);
      expect(index.searchLexical('formation CACES')).toEqual([]);

      // What was saved is what a fresh load finds.
      const reloaded = await currentIndex(open);
      expect(reloaded.meetingIds().sort()).toEqual([ids[0], ids[2]].sort());
      expect(reloaded.searchLexical('voie verte')[0]).toMatchObject({
        meetingId: ids[0],
        speaker: 'M. Petit',
      });

      const lookup = vaultSegmentLookup(open);
      expect(await lookup(ids[0]!, 'c7')).toMatchObject({ text: 'La voie verte sera prolongée.' });
      expect(await lookup(ids[1]!, 'h1')).toBeUndefined();
      expect(await lookup(ids[0]!, 'nope')).toBeUndefined();
    } finally {
      await open.vault.lock();
    }
  });
});
