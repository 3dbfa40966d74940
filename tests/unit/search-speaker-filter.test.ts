import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/core/search/index.js';
import type { SearchFilter } from '../../src/shared/minutes.js';
import {
  rosterNames,
  speakersNamedIn,
  withNamedSpeakers,
} from '../../src/core/search/speaker-filter.js';

const ROSTER = ['Mme Martin', 'Paul Durand', 'Mme Petit', 'Intervenant A', 'Claire Lefèvre'];

describe('a question that names a speaker', () => {
  it('finds the roster names a question speaks about, in French and English', () => {
    expect(speakersNamedIn("Qu'a dit Mme Martin sur la cantine ?", ROSTER)).toEqual(['Mme Martin']);
    expect(speakersNamedIn('Qu’a proposé M. Durand ?', ROSTER)).toEqual(['Paul Durand']);
    expect(speakersNamedIn('What did Paul Durand say about the roof?', ROSTER)).toEqual([
      'Paul Durand',
    ]);
    expect(speakersNamedIn("qu'a dit madame lefevre", ROSTER)).toEqual(['Claire Lefèvre']);
    expect(speakersNamedIn("Qu'a répondu l'intervenant A ?", ROSTER)).toEqual(['Intervenant A']);
  });

  it('does not take a common word for a surname, nor a question that names no one', () => {
    expect(speakersNamedIn('Le budget est-il petit cette année ?', ROSTER)).toEqual([]);
    expect(speakersNamedIn('Quelles décisions sur la cantine ?', ROSTER)).toEqual([]);
    expect(speakersNamedIn('Qu’a dit Mme Petit ?', ROSTER)).toEqual(['Mme Petit']);
  });

  it('keeps the asker’s own speaker choice and adds names otherwise', () => {
    expect(withNamedSpeakers({ speakers: ['Paul Durand'] }, 'Mme Martin ?', ROSTER)).toEqual({
      speakers: ['Paul Durand'],
    });
    expect(
      withNamedSpeakers<SearchFilter>({ from: '2026-01-01' }, "qu'a dit Mme Martin", ROSTER),
    ).toEqual({
      from: '2026-01-01',
      speakers: ['Mme Martin'],
    });
    expect(withNamedSpeakers(undefined, 'la cantine', ROSTER)).toBeUndefined();
    expect(
      rosterNames([{ speakers: [{ name: 'A' }] }, { speakers: [{ name: 'A' }, { name: 'B' }] }]),
    ).toEqual(['A', 'B']);
  });

  it('narrows retrieval to the named person’s words', () => {
    const index = new SearchIndex();
    index.addMeeting({
      id: 'm1',
      startedAt: '2026-11-20T18:00:00Z',
      language: 'fr',
      segments: [
        {
          id: 's1',
          startMs: 0,
          endMs: 4000,
          text: 'La cantine coûte trop cher.',
          speaker: 'Mme Martin',
        },
        {
          id: 's2',
          startMs: 4000,
          endMs: 8000,
          text: 'La cantine est très bien.',
          speaker: 'Paul Durand',
        },
      ],
    });
    const question = "Qu'a dit Mme Martin sur la cantine ?";
    expect(
      index
        .searchLexical('cantine')
        .map((h) => h.segmentId)
        .sort(),
    ).toEqual(['s1', 's2']);
    const filter = withNamedSpeakers(undefined, question, ['Mme Martin', 'Paul Durand']);
    expect(index.searchLexical('cantine', filter).map((h) => [h.segmentId, h.speaker])).toEqual([
      ['s1', 'Mme Martin'],
    ]);
  });
});
