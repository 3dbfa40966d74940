import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import en from '../../src/renderer/i18n/en.json' with { type: 'json' };
import fr from '../../src/renderer/i18n/fr.json' with { type: 'json' };

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? tsxFiles(join(dir, entry.name))
      : entry.name.endsWith('.tsx')
        ? [join(dir, entry.name)]
        : [],
  );
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

  it('never renders HTML from data: no dangerouslySetInnerHTML anywhere in the UI', () => {
    for (const file of tsxFiles(join(projectRoot(), 'src', 'renderer'))) {
      expect(readFileSync(file, 'utf8'), file).not.toContain('dangerouslySetInnerHTML');
    }
  });
});
