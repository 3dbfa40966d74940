import { describe, expect, it } from 'vitest';
import {
  Conversations,
  followUpQuery,
  isFollowUp,
  type Turn,
} from '../../src/core/answers/conversation.js';
import {
  bestSentence,
  evidenceSentence,
  findEvidence,
  sentenceStream,
} from '../../src/core/answers/evidence.js';
import {
  HeldQuestion,
  lastPauseEnd,
  lastQuietGap,
  type Hear,
} from '../../src/core/answers/listen.js';
import { bothFilters, resolveReferences } from '../../src/core/answers/references.js';
import { SAMPLE_RATE } from '../../src/core/audio/index.js';
import type { SearchHit } from '../../src/shared/minutes.js';

const meetings = [
  { id: 'conseil-mars', startedAt: '2026-03-12T18:00:00Z' },
  { id: 'rh-avril', startedAt: '2026-04-03T09:30:00Z' },
  { id: 'conseil-juin', startedAt: '2026-06-25T18:00:00Z' },
  { id: 'futur', startedAt: '2027-01-10T18:00:00Z' },
];
const now = new Date('2026-11-30T10:00:00Z');

describe('time and meeting references become filters', () => {
  it('« la dernière séance » is the latest meeting that has taken place', () => {
    const r = resolveReferences('Qu’avons-nous décidé sur la cantine la dernière séance ?', {
      meetings,
      language: 'fr',
      now,
    });
    expect(r.filter).toEqual({ meetingIds: ['conseil-juin'] });
  });
  it('« en mars » is the latest March that has begun; « en mars 2025 » that one', () => {
    expect(
      resolveReferences('Qu’a-t-on voté en mars ?', { meetings, language: 'fr', now }).filter,
    ).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
    });
    const early = new Date('2026-02-01T00:00:00Z');
    expect(resolveReferences('en mars', { meetings, language: 'fr', now: early }).filter.from).toBe(
      '2025-03-01',
    );
    expect(resolveReferences('in March 2025', { meetings, language: 'en', now }).filter).toEqual({
      from: '2025-03-01',
      to: '2025-03-31',
    });
  });
  it('« le 12 mars » is that day; « en 2025 » that year; "last meeting" in English', () => {
    expect(
      resolveReferences('la séance du 12 mars', { meetings, language: 'fr', now }).filter,
    ).toEqual({
      from: '2026-03-12',
      to: '2026-03-12',
    });
    expect(
      resolveReferences('les budgets votés en 2025', { meetings, language: 'fr', now }).filter,
    ).toEqual({
      from: '2025-01-01',
      to: '2025-12-31',
    });
    expect(
      resolveReferences('What did we decide at the last meeting?', {
        meetings,
        language: 'en',
        now,
      }).filter,
    ).toEqual({
      meetingIds: ['conseil-juin'],
    });
  });
  it('a question without reference has no filter; the speaker hook adds speakers', () => {
    expect(
      resolveReferences('Quel est le budget ?', { meetings, language: 'fr', now }).filter,
    ).toEqual({});
    const r = resolveReferences('qu’a dit Mme Martin sur la piscine', {
      meetings,
      language: 'fr',
      now,
      speakers: (q) => (q.includes('Martin') ? ['Mme Martin'] : undefined),
    });
    expect(r.filter).toEqual({ speakers: ['Mme Martin'] });
  });
  it('both filters: common meetings, or the question’s own when they share none', () => {
    expect(bothFilters({ meetingIds: ['a', 'b'] }, { meetingIds: ['b', 'c'] }).meetingIds).toEqual([
      'b',
    ]);
    expect(bothFilters({ meetingIds: ['a'] }, { meetingIds: ['c'] }).meetingIds).toEqual(['c']);
    expect(bothFilters({ meetingIds: ['a'] }, { from: '2026-01-01' })).toEqual({
      meetingIds: ['a'],
      from: '2026-01-01',
    });
  });
});

describe('follow-up questions', () => {
  const turn: Turn = {
    question: 'Quel est le montant du budget primitif ?',
    answer: 'Quatre millions.',
    found: true,
    language: 'fr',
    meetingIds: ['conseil-mars'],
  };
  it('recognises « et sur la piscine ? », « qui l’a proposé ? », "what about the pool?"', () => {
    expect(isFollowUp('et sur la piscine ?')).toBe(true);
    expect(isFollowUp('Qui l’a proposé ?')).toBe(true);
    expect(isFollowUp('What about the pool?')).toBe(true);
    expect(isFollowUp('Quel est le montant du budget primitif ?')).toBe(false);
    expect(isFollowUp('Combien de voix pour le vote du budget au conseil municipal ?')).toBe(false);
  });
  it('keeps to the meetings of the turn before and borrows its words', () => {
    const q = followUpQuery('qui l’a proposé ?', [turn]);
    expect(q.followUp).toBe(true);
    expect(q.filter).toEqual({ meetingIds: ['conseil-mars'] });
    expect(q.text).toContain('budget primitif');
    expect(followUpQuery('qui l’a proposé ?', [])).toEqual({
      text: 'qui l’a proposé ?',
      followUp: false,
    });
  });
  it('conversations are kept apart, bounded, and cleared', () => {
    const c = new Conversations();
    c.add('a', turn);
    expect(c.turns('a')).toHaveLength(1);
    expect(c.turns('b')).toEqual([]);
    for (let i = 0; i < 30; i++) c.add('a', turn);
    expect(c.turns('a')).toHaveLength(20);
    c.clear('a');
    expect(c.turns('a')).toEqual([]);
  });
});

describe('evidence said first', () => {
  const stored: Record<string, { text: string; startMs: number; endMs: number; speaker?: string }> =
    {
      'm1/s1': {
        text: 'Bonsoir. Le budget primitif s’élève à quatre millions d’euros. Merci.',
        startMs: 60_000,
        endMs: 70_000,
        speaker: 'Mme Martin',
      },
      'm1/s2': { text: 'La piscine rouvrira en juin.', startMs: 80_000, endMs: 85_000 },
    };
  const lookup = (m: string, s: string) => stored[`${m}/${s}`];
  const hit = (segmentId: string, text: string): SearchHit =>
    ({
      kind: 'segment',
      meetingId: 'm1',
      segmentId,
      meetingTitle: 'Commission des finances',
      meetingDate: '2026-03-12T18:00:00Z',
      startMs: 0,
      endMs: 1,
      text,
      score: 1,
    }) as SearchHit;

  it('speaks the best sentence of the best passage, with date, meeting and speaker', async () => {
    const evidence = await findEvidence(
      [hit('s1', stored['m1/s1']!.text)],
      'Quel est le budget primitif ?',
      'fr',
      lookup,
    );
    expect(evidence?.citation).toMatchObject({
      segmentId: 's1',
      startMs: 60_000,
      speaker: 'Mme Martin',
    });
    expect(evidence?.citation.quote).toBe('Le budget primitif s’élève à quatre millions d’euros.');
    expect(evidence?.spoken).toBe(
      'Le 12 mars 2026, lors de «\u202fCommission des finances\u202f», Mme Martin a dit\u202f: «\u202fLe budget primitif s’élève à quatre millions d’euros.\u202f»',
    );
  });
  it('never speaks a passage the stored transcript does not hold (stale index): the next one is used', async () => {
    const evidence = await findEvidence(
      [hit('s1', 'Le budget primitif est de dix millions.'), hit('s2', stored['m1/s2']!.text)],
      'budget primitif',
      'fr',
      lookup,
    );
    expect(evidence?.citation.segmentId).toBe('s2');
    expect(stored['m1/s2']!.text).toContain(evidence!.citation.quote);
    expect(
      await findEvidence([hit('s9', 'Inconnu au bataillon.')], 'x', 'fr', lookup),
    ).toBeUndefined();
  });
  it('English wording, and no speaker', () => {
    expect(
      evidenceSentence(
        { quote: 'Fares rise.', meetingDate: '2026-02-18', meetingTitle: 'Board' },
        'en',
      ),
    ).toBe('On 18 February 2026, in “Board”, it was said: “Fares rise.”');
    expect(bestSentence('One. Two fares rise. Three.', 'fares', 'en')).toBe('Two fares rise.');
  });
  it('says the date once when the meeting title already holds it', () => {
    expect(
      evidenceSentence(
        {
          quote: 'Le budget est adopté.',
          meetingTitle: 'Conseil municipal du 12 mars 2026',
          meetingDate: '2026-03-12T18:00:00Z',
        },
        'fr',
      ),
    ).toBe(
      'Lors de «\u202fConseil municipal du 12 mars 2026\u202f», il a été dit\u202f: «\u202fLe budget est adopté.\u202f»',
    );
    expect(
      evidenceSentence(
        {
          quote: 'Fares rise.',
          meetingTitle: 'Board, 18 February 2026',
          meetingDate: '2026-02-18T10:00:00Z',
        },
        'en',
      ),
    ).toBe('In “Board, 18 February 2026”, it was said: “Fares rise.”');
  });

  it('cuts streamed text into sentences as they complete', () => {
    const out: string[] = [];
    const s = sentenceStream((x) => out.push(x));
    for (const d of ['Le bud', 'get est voté. Il', ' fait 4 M€ ! Et ', 'la suite']) s.push(d);
    expect(out).toEqual(['Le budget est voté.', 'Il fait 4 M€ !']);
    s.flush();
    expect(out).toEqual(['Le budget est voté.', 'Il fait 4 M€ !', 'Et la suite']);
  });
});

describe('hearing while the key is held', () => {
  const tone = (ms: number) =>
    Int16Array.from({ length: (ms / 1000) * SAMPLE_RATE }, (_, i) =>
      Math.round(8000 * Math.sin(i / 5)),
    );
  const silence = (ms: number) => new Int16Array((ms / 1000) * SAMPLE_RATE);

  it('finds the end of the last pause', () => {
    const pcm = new Int16Array([...tone(1000), ...silence(400), ...tone(500)]);
    const end = lastPauseEnd(pcm, 0, pcm.length);
    expect(end).toBeGreaterThan(1.2 * SAMPLE_RATE);
    expect(end).toBeLessThanOrEqual(1.4 * SAMPLE_RATE);
    expect(lastPauseEnd(tone(2000), 0, 2 * SAMPLE_RATE)).toBe(-1);
  });

  it('commits the audio before a pause, so release hears only the words after it', async () => {
    const heard: number[] = [];
    const partials: string[] = [];
    // Stands in for whisper: says how long the audio it was given is.
    const hear: Hear = async (pcm) => {
      heard.push(pcm.length / SAMPLE_RATE);
      return { text: `[${(pcm.length / SAMPLE_RATE).toFixed(1)}]`, language: 'fr' };
    };
    const q = new HeldQuestion({ language: 'fr', hear, onPartial: (t) => partials.push(t) });
    const chunks = [
      tone(1000),
      new Int16Array([...tone(600), ...silence(400)]),
      tone(1000),
      tone(1000),
    ];
    for (const chunk of chunks) {
      q.push(chunk);
      // Each chunk's run finishes before the next chunk arrives, as with a real 1 s step.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const done = await q.finish();
    expect(partials.length).toBeGreaterThan(0);
    // At release only what follows the pause (2 s of the 4 s) is heard again.
    expect(heard.at(-1)).toBeCloseTo(2, 1);
    expect(done.text).toMatch(/^\[2\.0\] \[2\.0\]$/);
    expect(done.language).toBe('fr');
  });

  it("release lets a run in progress end instead of cancelling it (a cancel kills whisper's host)", async () => {
    const aborted: boolean[] = [];
    let finishRun!: () => void;
    const hear: Hear = async (pcm, { signal }) => {
      if (aborted.length === 0) {
        // The held key's run on the first second (no pause to commit at): still running at release.
        await new Promise<void>((resolve) => (finishRun = resolve));
      }
      aborted.push(signal?.aborted ?? false);
      return { text: `[${(pcm.length / SAMPLE_RATE).toFixed(1)}]`, language: 'fr' };
    };
    const q = new HeldQuestion({ language: 'fr', hear });
    q.push(tone(1000));
    await new Promise((resolve) => setImmediate(resolve));
    q.push(tone(500));
    const done = q.finish();
    await new Promise((resolve) => setImmediate(resolve));
    finishRun();
    const { text } = await done;
    // Before: the run's signal was aborted, and the real hearing killed the question lane's host.
    expect(aborted).toEqual([false, false]);
    // The tail hears everything since the last commit (the run in progress only said a partial).
    expect(text).toBe('[1.5]');
  });

  it('finds a gap between words, not the closure of a consonant', () => {
    const words = new Int16Array([
      ...tone(700),
      ...silence(80),
      ...tone(600),
      ...silence(40),
      ...tone(600),
    ]);
    const cut = lastQuietGap(words, 0, words.length);
    // The middle of the 80 ms gap (0.70–0.78 s); the 40 ms dip at 1.38 s is no gap.
    expect(cut / SAMPLE_RATE).toBeGreaterThan(0.7);
    expect(cut / SAMPLE_RATE).toBeLessThan(0.78);
    // Not before minMs, and never in the last 200 ms (a word may be starting).
    expect(lastQuietGap(words, 0, words.length, 1000)).toBe(-1);
    const late = new Int16Array([...tone(1500), ...silence(80), ...tone(100)]);
    expect(lastQuietGap(late, 0, late.length)).toBe(-1);
    // A room's noise floor is not digital silence: quiet is relative to the speaker.
    const noisy = Int16Array.from(words, (v, i) => v + (i % 2 === 0 ? 400 : -400));
    expect(lastQuietGap(noisy, 0, noisy.length)).toBe(cut);
  });

  it('commits at gaps between words without any pause, so release hears only the last words', async () => {
    const heard: number[] = [];
    const hear: Hear = async (pcm) => {
      heard.push(pcm.length / SAMPLE_RATE);
      return { text: `[${(pcm.length / SAMPLE_RATE).toFixed(2)}]`, language: 'fr' };
    };
    const q = new HeldQuestion({ language: 'fr', hear });
    // Four seconds of words separated by 80 ms gaps, never a 300 ms pause.
    const word = () => new Int16Array([...tone(420), ...silence(80)]);
    for (let second = 0; second < 4; second++) {
      q.push(new Int16Array([...word(), ...word()]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const done = await q.finish();
    const tail = heard.at(-1)!;
    // Committed up to a gap before the last second: release hears at most ~1.5 s, not 4 s.
    expect(tail).toBeLessThan(1.6);
    expect(done.text.split(' ').length).toBeGreaterThan(1);
    expect(heard.reduce((a, b) => a + b, 0)).toBeGreaterThan(3.9);
  });
});
