import { describe, expect, it } from 'vitest';
import {
  REUSE_SIMILARITY,
  reuseLiveNotes,
  wordOverlap,
  type LiveMinutesState,
} from '../../src/core/llm/live-minutes.js';
import type { SummarySegment } from '../../src/core/llm/minutes.js';

const live: SummarySegment[] = [
  { id: 'live-1', startMs: 0, endMs: 4000, speaker: 'Maire', text: 'La séance est ouverte.' },
  { id: 'live-2', startMs: 4000, endMs: 9000, speaker: 'Maire', text: 'Le budget est adopté.' },
];

function state(overrides: Partial<LiveMinutesState> = {}): LiveMinutesState {
  const note = {
    summary: 'Ouverture et budget',
    decisions: [{ text: 'Budget adopté', segmentIds: ['live-2'] }],
    actionItems: [],
    openQuestions: [],
    topics: [],
    interventions: [],
  };
  return {
    language: 'fr',
    template: 'general',
    progress: {
      meetingId: 'm1',
      contextSize: 4096,
      chunks: 1,
      notes: [{ line: JSON.stringify(note), tokens: 30, ids: ['live-2'], speakers: ['Maire'] }],
      pending: [],
      summarised: live,
    },
    ...overrides,
  };
}

const expected = { meetingId: 'm1', language: 'fr' as const, template: 'general' };

describe('live minutes notes over the final transcript', () => {
  it('restates the notes with the final ids when the final pass says the same', () => {
    const final: SummarySegment[] = [
      { id: 's1', startMs: 0, endMs: 8800, text: 'La séance est ouverte, le budget est adopté.' },
      { id: 's2', startMs: 9000, endMs: 12000, text: 'Passons au point suivant.' },
    ];
    const resume = reuseLiveNotes(state(), final, expected);
    expect(resume).toBeDefined();
    expect(resume!.chunks).toBe(1);
    // s1 covers the live lines; s2 comes after them and is left to summarise.
    expect(resume!.summarised.map((s) => s.id)).toEqual(['s1']);
    expect(resume!.notes[0]!.ids).toEqual(['s1']);
    expect(JSON.parse(resume!.notes[0]!.line).decisions[0].segmentIds).toEqual(['s1']);
    expect(resume!.notes[0]!.line).not.toContain('live-');
    expect(resume!.pending).toEqual([]);
  });

  it('falls back (undefined) when the final pass heard something else', () => {
    const final: SummarySegment[] = [
      {
        id: 's1',
        startMs: 0,
        endMs: 9000,
        text: 'Nous parlons maintenant de la voirie communale.',
      },
    ];
    expect(reuseLiveNotes(state(), final, expected)).toBeUndefined();
  });

  it('does not reuse notes of another language, template or meeting, or no notes at all', () => {
    const final: SummarySegment[] = [
      { id: 's1', startMs: 0, endMs: 9000, text: 'La séance est ouverte. Le budget est adopté.' },
    ];
    expect(reuseLiveNotes(state(), final, expected)).toBeDefined();
    expect(reuseLiveNotes(state(), final, { ...expected, language: 'en' })).toBeUndefined();
    expect(
      reuseLiveNotes(state(), final, { ...expected, template: 'hr-interview' }),
    ).toBeUndefined();
    expect(reuseLiveNotes(state(), final, { ...expected, meetingId: 'm2' })).toBeUndefined();
    const empty = state();
    empty.progress.notes = [];
    expect(reuseLiveNotes(empty, final, expected)).toBeUndefined();
  });

  it('measures word overlap as multisets, ignoring case and punctuation', () => {
    expect(wordOverlap('Le budget, adopté.', 'le BUDGET adopté')).toBe(1);
    expect(wordOverlap('oui oui oui', 'oui')).toBeCloseTo(1 / 3);
    expect(wordOverlap('', 'texte')).toBe(0);
    expect(wordOverlap('a b c d e', 'a b c d x')).toBeCloseTo(REUSE_SIMILARITY);
  });
});
