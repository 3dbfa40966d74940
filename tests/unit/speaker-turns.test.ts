import { describe, expect, it } from 'vitest';
import { applyTurns, withSpeakers } from '../../src/core/speakers/turns.js';

const token = (text: string, startMs: number, endMs: number) => ({ text, startMs, endMs, p: 0.9 });

// One 30 s window as whisper returns it: three words, each with its timing.
const window = {
  startMs: 0,
  endMs: 30_000,
  text: ' Bonjour à tous. Merci monsieur le maire.',
  tokens: [
    token(' Bonjour', 0, 2_000),
    token(' à tous.', 2_000, 20_000),
    token(' Merci', 25_500, 26_500),
    token(' monsieur le maire.', 26_500, 30_000),
  ],
};

describe('speaker turns on the final transcript', () => {
  it('cuts a 30 s segment at a turn marked inside it, on token timings', () => {
    const turns = [
      { atMs: 0, speakerId: 'p1' },
      { atMs: 25_000, speakerId: 'p2' },
    ];
    const out = applyTurns([window], turns);
    expect(out.map((s) => [s.speakerId, s.text, s.startMs, s.endMs])).toEqual([
      ['p1', 'Bonjour à tous.', 0, 20_000],
      ['p2', 'Merci monsieur le maire.', 25_500, 30_000],
    ]);
    // Segment-level timing only (the live preview) loses that turn: the middle decides.
    expect(withSpeakers([window], turns)[0]!.speakerId).toBe('p1');
  });

  it('keeps a segment whole when the floor does not change inside it', () => {
    const out = applyTurns([window], [{ atMs: 0, speakerId: 'p3' }]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ speakerId: 'p3', text: window.text });
  });

  it('leaves segments unchanged without turns, and uses the middle without tokens', () => {
    expect(applyTurns([window], [])).toEqual([window]);
    const { tokens: _t, ...bare } = window;
    const out = applyTurns([bare], [{ atMs: 25_000, speakerId: 'p2' }]);
    expect(out).toHaveLength(1);
    expect(out[0]!.speakerId).toBeUndefined();
  });

  it('drops a speaker the turns no longer give (a re-run after turns changed)', () => {
    const out = applyTurns([{ ...window, speakerId: 'old' }], [{ atMs: 29_000, speakerId: 'p1' }]);
    expect(out.map((s) => s.speakerId)).toEqual([undefined]);
  });
});

describe('markers in the minutes context', () => {
  it('tag the line under each marker, in the meeting language', async () => {
    const { withMarkers } = await import('../../src/core/pipeline/minutes.js');
    const lines = [
      { id: 's1', startMs: 0, endMs: 20_000, text: 'Ouverture.' },
      { id: 's2', startMs: 20_000, endMs: 30_000, text: 'Vote du budget.' },
    ];
    const out = withMarkers(lines, [{ atMs: 27_000, label: 'vote' }], 'fr');
    expect(out.map((l) => l.text)).toEqual(['Ouverture.', '[Repère\u202f: vote] Vote du budget.']);
    expect(out[1]!.id).toBe('s2');
    expect(withMarkers(lines, [{ atMs: 1, label: '' }], 'en')[0]!.text).toBe('[Marker] Ouverture.');
    expect(withMarkers(lines, [], 'fr')).toBe(lines);
  });
});
