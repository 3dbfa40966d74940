import { describe, expect, it } from 'vitest';
import { decodingModeLabel } from '../../src/renderer/decoding-label.js';
import { translator } from '../../src/renderer/i18n/translate.js';

/**
 * What the fourth French walk found in the screens' words, pinned down
 * without a browser (the screens themselves: tests/e2e/browser.walk4.spec.ts).
 */
const fr = translator('fr');
const en = translator('en');

describe('the final decoding, as the screens name it', () => {
  it('says the beam size in force, not always 5 (finding 13: a policy of 3 read « 5 »)', () => {
    expect(decodingModeLabel({ beamSize: 3 }, fr)).toBe(
      'Précis, plus lent (recherche en faisceau, 3)',
    );
    expect(decodingModeLabel({ beamSize: 5 }, en)).toBe('Accurate, slower (beam search, 5)');
  });
  it('names greedy decoding, also when the beam size is left to the default', () => {
    expect(decodingModeLabel({ beamSize: 1 }, fr)).toBe('Rapide (recommandé)');
    expect(decodingModeLabel({}, fr)).toBe('Rapide (recommandé)');
  });
});
