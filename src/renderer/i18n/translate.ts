/** Message catalogues and lookup, with no React: usable from tests and plain modules. */
import type { UiLocale } from '../../shared/api.js';
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

export type MessageKey = keyof typeof en;
type Messages = Record<MessageKey, string>;

// fr.json must carry every key of en.json: the type check fails otherwise.
const catalogues: Record<UiLocale, Messages> = { en, fr: fr satisfies Messages };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/**
 * Plural forms in a message: « {n, plural, one {# canal} other {# canaux}} »,
 * chosen by the language's own rules (French says « 0 canal », English
 * « 0 channels »); # is the number. Other variables are then filled in.
 */
const PLURAL = /\{(\w+), plural,((?:\s*\w+ \{[^{}]*\})+)\s*\}/g;

function pluralForms(
  template: string,
  vars: Record<string, string | number>,
  rules: Intl.PluralRules,
): string {
  return template.replace(PLURAL, (whole, name: string, forms: string) => {
    const value = vars[name];
    if (typeof value !== 'number') return whole;
    const choices = new Map(
      [...forms.matchAll(/(\w+) \{([^{}]*)\}/g)].map((m) => [m[1]!, m[2]!] as const),
    );
    const chosen = choices.get(rules.select(value)) ?? choices.get('other');
    return chosen === undefined ? whole : chosen.replaceAll('#', String(value));
  });
}

export function translator(locale: UiLocale): Translate {
  const messages = catalogues[locale];
  const rules = new Intl.PluralRules(locale);
  return (key, vars) => {
    const template = messages[key] ?? en[key] ?? key;
    if (!vars) return template;
    return pluralForms(template, vars, rules).replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );
  };
}
