import { createContext, useContext, type ReactNode } from 'react';
import type { UiLocale } from '../../shared/api.js';
import { translator, type MessageKey, type Translate } from './translate.js';

export { translator, type MessageKey, type Translate };

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
