// Finding 3 of issue 9, the UI side: the creation and change forms judge the
// passphrase with the vault's own rule and words, and say nothing while the
// field is empty.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  PassphraseMeter,
  usePassphraseVerdict,
} from '../../src/renderer/components/PassphraseMeter.js';
import { LocaleProvider } from '../../src/renderer/i18n/i18n.js';
import { assessPassphrase } from '../../src/shared/passphrase.js';

function Field({ value }: { value: string }) {
  return createElement(PassphraseMeter, { verdict: usePassphraseVerdict(value) });
}

function render(value: string, locale: 'fr' | 'en'): string {
  return renderToStaticMarkup(
    createElement(LocaleProvider, {
      locale,
      setLocale: () => undefined,
      children: createElement(Field, { value }),
    }),
  );
}

describe('the passphrase meter', () => {
  it('is silent while the field is empty', () => {
    expect(render('', 'fr')).toBe('');
  });

  it('says why a passphrase is refused, in the words the CLI uses', () => {
    const html = render('password1', 'fr');
    expect(html).toContain('data-ok="false"');
    expect(html).toContain(assessPassphrase('password1', { locale: 'fr' }).problem!);
    expect(render('password1', 'en')).toContain('the passphrase is too short');
  });

  it('accepts several unrelated words', () => {
    const html = render('girafe cadastre lundi perce-neige', 'fr');
    expect(html).toContain('data-ok="true"');
    expect(html).toContain('forte');
  });
});
