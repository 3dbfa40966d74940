import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SearchIndex, type IndexableMeeting } from '../../src/core/search/index.js';
import { documentTerms, fold, queryTerms } from '../../src/core/search/text.js';
import { detectLanguage } from '../../src/core/text/language.js';

interface Corpus {
  meetings: IndexableMeeting[];
  questions: { q: string; answers: string[] }[];
}

const corpus = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/corpus/meetings.json'), 'utf8'),
) as Corpus;

function corpusIndex(): SearchIndex {
  const index = new SearchIndex();
  for (const meeting of corpus.meetings) index.addMeeting(meeting);
  return index;
}

describe('text analysis', () => {
  it('folds accents and case', () => {
    expect(fold('Délibération ÉCOLE')).toBe('deliberation ecole');
  });

  it('makes accented and unaccented, singular and plural French words meet', () => {
    const doc = documentTerms('Les délibérations budgétaires', 'fr');
    const query = queryTerms('deliberation budgetaire');
    expect(doc.some((t) => query.includes(t))).toBe(true);
    expect(documentTerms('réunions', 'fr')).toEqual(documentTerms('réunion', 'fr'));
  });

  it('stems English and drops stop words', () => {
    expect(documentTerms('The meetings were running', 'en')).toEqual(['meet', 'run']);
  });

  it('splits French elisions', () => {
    expect(documentTerms("l'ordre du jour", 'fr')).toEqual(['ordre', 'jour']);
  });

  it('detects the question language cheaply', () => {
    expect(detectLanguage('Quel est le montant du budget ?')).toBe('fr');
    expect(detectLanguage('What was decided about the budget?')).toBe('en');
    expect(detectLanguage('subvention école')).toBe('fr');
  });
});

describe('search index', () => {
  it('reaches recall@5 ≥ 0.9 on the bilingual corpus with the lexical path alone', () => {
    const index = corpusIndex();
    let found = 0;
    const misses: string[] = [];
    for (const { q, answers } of corpus.questions) {
      const hits = index.searchLexical(q, { limit: 5 }).map((h) => `${h.meetingId}/${h.segmentId}`);
      if (answers.some((a) => hits.includes(a))) found++;
      else misses.push(`${q} → ${hits.join(', ')}`);
    }
    const recall = found / corpus.questions.length;
    console.log(
      `lexical recall@5 = ${recall.toFixed(3)} (${found}/${corpus.questions.length} questions)` +
        (misses.length ? `\nmissed:\n  ${misses.join('\n  ')}` : ''),
    );
    expect(corpus.questions.length).toBeGreaterThanOrEqual(20);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it('filters by meeting, speaker and date', () => {
    const index = corpusIndex();
    const byMeeting = index.searchLexical('cantine', { meetingIds: ['conseil-2026-06'] });
    expect(byMeeting.length).toBeGreaterThan(0);
    expect(byMeeting.every((h) => h.meetingId === 'conseil-2026-06')).toBe(true);

    const bySpeaker = index.searchLexical('budget école', { speakers: ['m. durand'] });
    expect(bySpeaker.length).toBeGreaterThan(0);
    expect(bySpeaker.every((h) => h.speaker === 'M. Durand')).toBe(true);

    const byDate = index.searchLexical('cantine', { from: '2026-06-01', to: '2026-06-30' });
    expect(byDate.map((h) => h.segmentId)).toEqual(['d2']);
    expect(index.searchLexical('cantine', { to: '2026-01-01' })).toEqual([]);
  });

  it('refuses a filter date it cannot read', () => {
    expect(() => corpusIndex().searchLexical('budget', { from: 'last tuesday' })).toThrow(
      /"last tuesday" is not a date.*|YYYY-MM-DD/,
    );
  });

  it('adds and removes a meeting incrementally', () => {
    const index = corpusIndex();
    const before = index.size;
    expect(index.searchLexical('médiathèque').length).toBeGreaterThan(0);
    index.removeMeeting('conseil-2026-06');
    expect(index.searchLexical('médiathèque')).toEqual([]);
    expect(index.size).toBe(before - 8);
    index.addMeeting(corpus.meetings.find((m) => m.id === 'conseil-2026-06')!);
    expect(index.size).toBe(before);
    // Re-adding a meeting replaces it rather than duplicating its passages.
    index.addMeeting(corpus.meetings.find((m) => m.id === 'conseil-2026-06')!);
    expect(index.size).toBe(before);
  });

  it('indexes minutes beside segments', () => {
    const index = new SearchIndex();
    const meeting = corpus.meetings[0]!;
    index.addMeeting({
      ...meeting,
      minutes: {
        overview: 'Vote du budget et de la piste cyclable',
        decisions: [{ text: 'Budget primitif adopté', segmentIds: ['c6'] }],
        actionItems: [{ owner: 'M. Petit', task: 'Organiser la concertation', segmentIds: ['c9'] }],
        openQuestions: [],
      },
    });
    const hit = index.searchLexical('adopté').find((h) => h.kind === 'minutes');
    expect(hit).toMatchObject({ segmentId: 'decision-0', startMs: 70000, endMs: 82000 });
  });

  it('survives serialisation, vectors included', () => {
    const index = corpusIndex();
    index.setVector(index.passagesWithoutVector('board-2026-02')[0]!.id, [1, 0, 0]);
    const copy = SearchIndex.fromJSON(index.toJSON());
    expect(copy.size).toBe(index.size);
    expect(copy.searchLexical('electric buses')).toEqual(index.searchLexical('electric buses'));
    expect(copy.passagesWithoutVector('board-2026-02').length).toBe(9);
    copy.removeMeeting('board-2026-02');
    expect(copy.searchLexical('electric buses')).toEqual([]);
  });

  it('refuses a corrupt stored index with a clear error', () => {
    expect(() => SearchIndex.fromJSON('{"format":1}')).toThrow(/cannot be read/);
    expect(() => SearchIndex.fromJSON('not json')).toThrow(/cannot be read/);
  });

  it('fuses lexical and vector rankings by reciprocal rank', () => {
    const index = new SearchIndex();
    index.addMeeting({
      id: 'm',
      startedAt: '2026-01-01T00:00:00Z',
      language: 'en',
      segments: [
        { id: 'a', startMs: 0, endMs: 1, text: 'budget vote tonight' },
        { id: 'b', startMs: 1, endMs: 2, text: 'budget' },
        { id: 'c', startMs: 2, endMs: 3, text: 'something unrelated entirely' },
      ],
    });
    const ids = index.passagesWithoutVector('m');
    const vec: Record<string, number[]> = { a: [0, 1], b: [0.2, 1], c: [1, 0] };
    for (const p of ids) index.setVector(p.id, vec[p.id.split('\u0000')[2]!]!);
    // Lexically "c" never matches; by vector it is the nearest: fusion brings it in.
    const hybrid = index.search(
      { text: 'budget', vector: Float32Array.from([1, 0]) },
      { limit: 3 },
    );
    expect(hybrid.map((h) => h.segmentId).sort()).toEqual(['a', 'b', 'c']);
    expect(hybrid[0]!.segmentId).toBe('b');
    expect(() => index.setVector(ids[0]!.id, [1, 2, 3])).toThrow(/2-dimension vectors, not 3/);
  });
  it('ranks by cosine over every dimension, unrolled steps and tail alike, and filters', () => {
    // 21 dimensions: two steps of eight plus a tail of five, so every part of the scan counts.
    const dims = 21;
    const index = new SearchIndex();
    index.addMeeting({
      id: 'v',
      startedAt: '2026-03-01T00:00:00Z',
      language: 'en',
      segments: Array.from({ length: 30 }, (_, i) => ({
        id: `s${i}`,
        startMs: i,
        endMs: i + 1,
        text: `passage number ${i}`,
        speaker: i % 2 === 0 ? 'Even' : 'Odd',
      })),
    });
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    const vectors = new Map<string, number[]>();
    for (const p of index.passagesWithoutVector('v')) {
      // Lengths differ on purpose: the ranking must be by angle, not by length.
      const scale = 1 + (vectors.size % 5);
      const v = Array.from({ length: dims }, () => next() * scale);
      vectors.set(p.id.split('\u0000')[2]!, v);
      index.setVector(p.id, v);
    }
    const query = Array.from({ length: dims }, () => next());
    const cosine = (a: number[], b: number[]) => {
      const dot = a.reduce((sum, x, i) => sum + x * b[i]!, 0);
      return dot / Math.hypot(...a) / Math.hypot(...b);
    };
    const expected = [...vectors]
      .map(([id, v]) => ({ id, score: cosine(v, query) }))
      .sort((a, b) => b.score - a.score);
    // No word of the query is in any passage: the fused ranking is the vector ranking.
    const hits = index.search({ text: 'zzz', vector: Float32Array.from(query) }, { limit: 5 });
    expect(hits.map((h) => h.segmentId)).toEqual(expected.slice(0, 5).map((e) => e.id));
    const odd = index.search(
      { text: 'zzz', vector: Float32Array.from(query) },
      { limit: 5, speakers: ['Odd'] },
    );
    expect(odd.map((h) => h.segmentId)).toEqual(
      expected
        .filter((e) => Number(e.id.slice(1)) % 2 === 1)
        .slice(0, 5)
        .map((e) => e.id),
    );
  });
});
