/** Message catalogues and lookup, with no React: usable from tests and plain modules. */
import type { UiLocale } from '../../shared/api.js';
import en from './en.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };

export type MessageKey = keyof typeof en;
type Messages = Record<MessageKey, string>;

// fr.json must carry every key of en.json: the type check fails otherwise.
const catalogues: Record<UiLocale, Messages> = { en, fr: fr satisfies Messages };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: UiLocale): Translate {
  const messages = catalogues[locale];
  return (key, vars) => {
    const template = messages[key] ?? en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );
  };
}
