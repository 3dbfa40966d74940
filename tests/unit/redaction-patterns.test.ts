import { describe, expect, it } from 'vitest';
import {
  findNames,
  findPatterns,
  ibanValid,
  luhnValid,
  nirValid,
  redactSegments,
  scrubText,
} from '../../src/core/redaction/index.js';

describe('redaction suggestions', () => {
  it('finds e-mail, phone numbers, IBAN, NIR and SIRET, checksums checked', () => {
    const text =
      'Écrire à jeanne.martin@mairie.fr ou au 01 23 45 67 89, +33 6 12 34 56 78 ou +44 20 7946 0958 ; ' +
      'IBAN FR76 3000 6000 0112 3456 7890 189, NIR 1 85 05 78 006 084 91, SIRET 732 829 320 00074.';
    const found = findPatterns(text).map((f) => [f.kind, f.text]);
    expect(found).toEqual([
      ['email', 'jeanne.martin@mairie.fr'],
      ['phone', '01 23 45 67 89'],
      ['phone', '+33 6 12 34 56 78'],
      ['phone', '+44 20 7946 0958'],
      ['iban', 'FR76 3000 6000 0112 3456 7890 189'],
      ['nir', '1 85 05 78 006 084 91'],
      ['siret', '732 829 320 00074'],
    ]);
  });

  it('leaves numbers whose checksum fails, and ordinary figures', () => {
    expect(ibanValid('FR76 3000 6000 0112 3456 7890 188')).toBe(false);
    expect(nirValid('1 85 05 78 006 084 92')).toBe(false);
    expect(nirValid('2 69 05 2A 006 084 93')).toBe(false);
    expect(luhnValid('73282932000075')).toBe(false);
    expect(
      findPatterns(
        'Le budget de 12 345 678 euros est voté le 12/03/2026, SIRET 732 829 320 00075.',
      ),
    ).toEqual([]);
  });

  it('finds the roster names, full and by surname, whatever the accents and case', () => {
    const found = findNames('Mme MARTIN répond à Hélène Durand, puis Jeanne Martin conclut.', [
      'Jeanne Martin',
      'Helene Durand',
      'S1',
    ]);
    expect(found.map((f) => f.text)).toEqual(['MARTIN', 'Hélène Durand', 'Jeanne Martin']);
  });

  it('replaces marked spans, and every other copy of their text, by the label', () => {
    const segments = [
      { id: 's1', startMs: 0, endMs: 1, text: 'Jeanne Martin ouvre la séance.' },
      { id: 's2', startMs: 1, endMs: 2, text: 'Merci madame martin.' },
    ];
    const marks = [
      {
        id: 'r1',
        segmentId: 's1',
        start: 0,
        end: 13,
        text: 'Jeanne Martin',
        kind: 'name' as const,
        at: '',
      },
      {
        id: 'r2',
        segmentId: 's2',
        start: 13,
        end: 19,
        text: 'martin',
        kind: 'manual' as const,
        at: '',
      },
    ];
    expect(redactSegments(segments, marks, '[caviardé]').map((s) => s.text)).toEqual([
      '[caviardé] ouvre la séance.',
      'Merci madame [caviardé].',
    ]);
    expect(scrubText('Présidée par Jeanne Martin.', ['Jeanne Martin'], '[redacted]')).toBe(
      'Présidée par [redacted].',
    );
  });
});
