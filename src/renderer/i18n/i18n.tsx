import { createContext, useContext, type ReactNode } from 'react';
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

interface LocaleContextValue {
  locale: UiLocale;
  t: Translate;
  setLocale(locale: UiLocale): void;
}

const LocaleContext = createContext<LocaleContextValue | undefined>(undefined);

export function LocaleProvider(props: {
  locale: UiLocale;
  setLocale(locale: UiLocale): void;
  children: ReactNode;
}) {
  const value = { locale: props.locale, t: translator(props.locale), setLocale: props.setLocale };
  return <LocaleContext.Provider value={value}>{props.children}</LocaleContext.Provider>;
}

export function useI18n(): LocaleContextValue {
  const value = useContext(LocaleContext);
  if (!value) throw new Error('useI18n outside LocaleProvider');
  return value;
}

/** The UI language chosen in this browser profile, if any, else the system's. */
export function initialLocale(systemLocale: UiLocale): UiLocale {
  const saved = localStorage.getItem('greffier.locale');
  return saved === 'fr' || saved === 'en' ? saved : systemLocale;
}

export function rememberLocale(locale: UiLocale): void {
  localStorage.setItem('greffier.locale', locale);
}
