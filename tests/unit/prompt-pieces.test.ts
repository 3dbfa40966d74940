import { describe, expect, it } from 'vitest';
import { pieceEnds } from '../../src/core/llm/pieces.js';

describe('a prompt read piece by piece', () => {
  const prompt =
    'Passages trouvés :\n{"meeting":"Conseil","passages":[{"id":"P1","text":"le budget primitif est adopté"},{"id":"P2","text":"vingt-trois voix pour"}]}\n{"meeting":"Commission","passages":[{"id":"P3","text":"trois amendements"}]}\nQuestion : "combien ?"';

  it('cuts at a line break or between two passages, each piece at least the size asked', () => {
    const ends = pieceEnds(prompt, 20);
    expect(ends.length).toBeGreaterThan(2);
    let from = 0;
    for (const end of ends) {
      expect(end - from).toBeGreaterThanOrEqual(20);
      expect(prompt[end] === '\n' || prompt.slice(end - 2, end + 1) === '},{').toBe(true);
      from = end;
    }
    // Strictly growing, never the whole prompt (the last piece is the prompt itself).
    expect([...ends].sort((a, b) => a - b)).toEqual(ends);
    expect(ends.at(-1)).toBeLessThan(prompt.length);
  });

  it('stops before a given point (the question line is never read ahead)', () => {
    const until = prompt.lastIndexOf('\n');
    const ends = pieceEnds(prompt, 10, until);
    expect(ends.every((end) => end < until)).toBe(true);
    expect(ends.length).toBeGreaterThan(0);
  });

  it('never cuts inside a passage or a word', () => {
    expect(pieceEnds('court', 20)).toEqual([]);
    expect(pieceEnds('un texte sans ligne ni objet, assez long pour deux pièces', 5)).toEqual([]);
  });
});
