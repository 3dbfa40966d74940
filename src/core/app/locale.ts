import type { UiLocale } from '../../shared/api.js';

/**
 * French on a French system, English otherwise. LC_ALL/LC_MESSAGES/LANG win
 * over Intl because that is what a Linux desktop session sets; Electron's
 * main process passes app.getLocale() through GREFFIER_LOCALE.
 */
export function systemUiLocale(env: NodeJS.ProcessEnv = process.env): UiLocale {
  const candidates = [
    env.GREFFIER_LOCALE,
    env.LC_ALL,
    env.LC_MESSAGES,
    env.LANG,
    Intl.DateTimeFormat().resolvedOptions().locale,
  ];
  for (const value of candidates) {
    if (!value || value === 'C' || value === 'POSIX' || value.startsWith('C.')) continue;
    return value.toLowerCase().startsWith('fr') ? 'fr' : 'en';
  }
  return 'en';
}
