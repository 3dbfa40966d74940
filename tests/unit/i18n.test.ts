import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import { ApiCallError } from '../../src/shared/api.js';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import errorsEn from '../../src/renderer/i18n/errors.en.json' with { type: 'json' };
import errorsFr from '../../src/renderer/i18n/errors.fr.json' with { type: 'json' };
import { describeError, describeJobError, uiError } from '../../src/renderer/i18n/errors.js';
import fr from '../../src/renderer/i18n/fr.json' with { type: 'json' };

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? files(join(dir, entry.name), pattern)
      : pattern.test(entry.name)
        ? [join(dir, entry.name)]
        : [],
  );
}
const tsxFiles = (dir: string) => files(dir, /\.tsx$/);

/** Every code a GreffierError (or an API error literal) is raised with anywhere in src/. */
function raisedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of files(join(projectRoot(), 'src'), /\.tsx?$/)) {
    const source = readFileSync(file, 'utf8');
    const patterns = [
      /new (?:GreffierError|JobNotReady|ApiCallError)\(\s*(?:\{\s*code:\s*)?['"`]([a-z0-9-]+)['"`]/g,
      /\bcode: '([a-z0-9-]+)'/g,
    ];
    for (const pattern of patterns) {
      for (const match of source.matchAll(pattern)) codes.set(match[1]!, file);
    }
  }
  return codes;
}

/** French typography: a narrow no-break space before « : ; ? ! » and inside « ». */
function typographyFaults(text: string): string[] {
  const faults: string[] = [];
  for (const match of text.matchAll(/(.)([:;?!])/g)) {
    if (match[1] !== '\u202f') faults.push(`"${match[1]}${match[2]}"`);
  }
  if (/«(?!\u202f)/.test(text)) faults.push('« without U+202F after');
  if (/(?<!\u202f)»/.test(text)) faults.push('» without U+202F before');
  return faults;
}

describe('UI translations', () => {
  it('French and English carry the same keys, none empty, with the same placeholders', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const french = (fr as Record<string, string>)[key]!;
      expect(text.trim(), key).not.toBe('');
      expect(french.trim(), key).not.toBe('');
      expect(placeholders(french), key).toEqual(placeholders(text));
    }
  });

  it('components hold no user-visible string literals (all text comes from the catalogues)', () => {
    const offenders: string[] = [];
    for (const file of tsxFiles(join(projectRoot(), 'src', 'renderer'))) {
      const source = readFileSync(file, 'utf8');
      // Text between JSX tags that is not an expression: >Words<
      for (const match of source.matchAll(/>([^<>{}]*[A-Za-zÀ-ÿ][^<>{}]*)</g)) {
        const text = match[1]!.trim();
        // Generic arguments and comparisons (useState<T>(), a < b) are code, not text.
        if (text && !/[;=!()[\]&|]/.test(text) && !/\w\.\w/.test(text)) {
          offenders.push(`${file}: ${text}`);
        }
      }
      for (const match of source.matchAll(/(?:aria-label|placeholder|title|label)="([^"]+)"/g)) {
        offenders.push(`${file}: ${match[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('says every error code raised in src/ in French and English', () => {
    const codes = raisedCodes();
    expect(codes.size).toBeGreaterThan(80);
    const missing = [...codes]
      .filter(([code]) => !(code in errorsEn))
      .map(([c, f]) => `${c} (${f})`);
    expect(missing).toEqual([]);
    expect(Object.keys(errorsFr).sort()).toEqual(Object.keys(errorsEn).sort());
    for (const [code, said] of Object.entries(errorsFr)) {
      const english = (errorsEn as Record<string, { message: string; hint?: string }>)[code]!;
      expect(said.message.trim(), code).not.toBe('');
      expect(said.message, code).not.toBe(english.message);
      // The UI never sends a user to a command-line flag.
      expect(`${said.message} ${said.hint ?? ''} ${english.hint ?? ''}`, code).not.toMatch(
        /--[a-z]/,
      );
    }
  });

  it('writes French with a narrow no-break space before « : ; ? ! » and inside « »', () => {
    const faults: string[] = [];
    for (const [key, text] of Object.entries(fr)) {
      for (const fault of typographyFaults(text)) faults.push(`${key}: ${fault}`);
    }
    for (const [code, said] of Object.entries(errorsFr)) {
      for (const text of [said.message, said.hint ?? '']) {
        for (const fault of typographyFaults(text)) faults.push(`${code}: ${fault}`);
      }
    }
    expect(faults).toEqual([]);
    expect(typographyFaults('Durée: 3 min')).toEqual(['"e:"']);
  });

  it('says errors in the UI language, whatever raised them, never as a raw code', () => {
    const wrong = new ApiCallError({
      code: 'wrong-passphrase',
      message: 'wrong passphrase for this vault',
    });
    expect(describeError(wrong, 'fr').message).toBe('Phrase secrète incorrecte pour ce coffre.');
    expect(describeError(wrong, 'en').message).toBe('Wrong passphrase for this vault.');
    // The host gone: the browser's "Failed to fetch" becomes words a clerk can act on.
    expect(describeError(new TypeError('Failed to fetch'), 'fr').message).toBe(
      'Le service de Greffier ne répond pas.',
    );
    expect(
      describeError(new ApiCallError({ code: 'http-403', message: 'forbidden' }), 'fr').message,
    ).toBe('Cette page n’est pas autorisée à dialoguer avec Greffier.');
    expect(describeError(new DOMException('denied', 'NotAllowedError'), 'fr').message).toBe(
      'L’accès au microphone a été refusé.',
    );
    // An unknown code: the core's words in English, general French words (no code) in French.
    const odd = new ApiCallError({ code: 'brand-new', message: 'Something new broke.' });
    expect(describeError(odd, 'en').message).toBe('Something new broke.');
    expect(describeError(odd, 'fr').message).toBe('Un incident inattendu s’est produit.');
    expect(describeError(uiError('passphrase-confirm'), 'fr').message).toBe(
      'Les deux phrases secrètes diffèrent.',
    );
    // A failed job: by its code when it carries one, else by the core's words.
    expect(
      describeJobError(
        { error: 'a 4096-token context is too small to write minutes with this template — use…' },
        'fr',
      ).message,
    ).toBe('Le contexte de ce modèle est trop petit pour ce modèle de compte rendu.');
    expect(describeJobError({ error: 'x', errorCode: 'no-model' }, 'fr').message).toBe(
      'Aucun modèle de ce type n’est installé.',
    );
  });

  it('never renders HTML from data: no dangerouslySetInnerHTML anywhere in the UI', () => {
    for (const file of tsxFiles(join(projectRoot(), 'src', 'renderer'))) {
      expect(readFileSync(file, 'utf8'), file).not.toContain('dangerouslySetInnerHTML');
    }
  });
});
