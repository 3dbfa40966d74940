// Found walking the UI (issue 13): the seat plan said « 1 canal(aux) ». Messages
// with a count choose their plural form by the language's rules.
import { describe, expect, it } from 'vitest';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import fr from '../../src/renderer/i18n/fr.json' with { type: 'json' };
import { translator } from '../../src/renderer/i18n/translate.js';

describe('plural forms in the UI strings', () => {
  it('counts channels in French and English', () => {
    const t = { fr: translator('fr'), en: translator('en') };
    expect([0, 1, 2, 8].map((n) => t.fr('record.channelCount', { n }))).toEqual([
      '0 canal',
      '1 canal',
      '2 canaux',
      '8 canaux',
    ]);
    expect([0, 1, 2, 8].map((n) => t.en('record.channelCount', { n }))).toEqual([
      '0 channels',
      '1 channel',
      '2 channels',
      '8 channels',
    ]);
  });

  it('no channel, seat or speaker string hedges its plural with (s) or (aux)', () => {
    for (const catalogue of [fr, en]) {
      for (const [key, text] of Object.entries(catalogue)) {
        if (!/^(record|speakers|meeting)\./.test(key)) continue;
        expect(text, key).not.toMatch(/\((s|x|es|aux)\)/);
      }
    }
  });

  it('leaves a message without its number as written', () => {
    const t = translator('en');
    // The catalogue's own message, with a count given as text: left for the reader, not guessed.
    expect(t('record.channelCount', { n: 'deux' })).toBe(
      '{n, plural, one {# channel} other {# channels}}',
    );
    expect(t('record.channelCount')).toBe('{n, plural, one {# channel} other {# channels}}');
  });
});
