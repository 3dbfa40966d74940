import type { UiLocale } from '../../shared/api.js';
import { machinePolicy } from '../policy.js';

/**
 * The machine policy's uiLanguage if set; else French on a French system, English otherwise. LC_ALL/LC_MESSAGES/LANG win
 * over Intl because that is what a Linux desktop session sets; Electron's
 * main process passes app.getLocale() through GREFFIER_LOCALE.
 */
export function systemUiLocale(env: NodeJS.ProcessEnv = process.env): UiLocale {
  // IT's choice wins (machine policy); a bad policy is reported by the door at start-up, not here.
  try {
    const chosen = machinePolicy(env).uiLanguage;
    if (chosen) return chosen;
  } catch {
    // fall through to the system's language
  }
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

/**
 * The language Electron's Chromium starts in (`--lang`), so the few controls
 * it draws itself (validation bubbles, a spell-check menu, the file dialog's
 * title on some systems) match the UI's starting language. It is read before
 * the app is ready, so from the policy and the environment only.
 */
export function chromiumLanguage(env: NodeJS.ProcessEnv = process.env): 'fr' | 'en-GB' {
  return systemUiLocale(env) === 'fr' ? 'fr' : 'en-GB';
}
