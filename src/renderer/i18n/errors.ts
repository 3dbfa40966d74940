/**
 * Every error a user can meet, said in the UI's language. The core's
 * GreffierError codes (and the few the renderer raises itself: host gone,
 * session refused, microphone) map to a message and a hint in
 * errors.<locale>.json; the core's English text is never shown in French.
 * A unit test fails when a code in src/ has no entry here.
 */
import { ApiCallError, type UiLocale } from '../../shared/api.js';
import en from './errors.en.json' with { type: 'json' };
import fr from './errors.fr.json' with { type: 'json' };
import { intlLocale } from '../format.js';
import { translator, type MessageKey } from './translate.js';

export type ErrorCode = keyof typeof en;
interface Said {
  message: string;
  hint?: string;
  /** The message when the error names what it is about ({kind}…); `message` otherwise. */
  named?: string;
}

// fr must carry every code of en: the type check fails otherwise.
const catalogues: Record<UiLocale, Record<ErrorCode, Said>> = { en, fr: fr satisfies typeof en };

export function isKnownCode(code: string): code is ErrorCode {
  return Object.hasOwn(en, code);
}

/** An error the renderer raises itself, with a code of the catalogue. */
export function uiError(code: ErrorCode): ApiCallError {
  return new ApiCallError({ code, message: en[code].message, hint: en[code].hint });
}

/** The catalogue code an error stands for, whatever threw it (core, host, browser). */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof ApiCallError) {
    if (/^http-40[13]$/.test(error.code)) return 'session-refused';
    if (error.code.startsWith('http-')) return 'host-error';
    return error.code;
  }
  if (error instanceof DOMException || (error instanceof Error && error.name.endsWith('Error'))) {
    const name = (error as Error).name;
    if (name === 'NotAllowedError' || name === 'SecurityError') return 'microphone-denied';
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'microphone-missing';
    if (name === 'NotReadableError' || name === 'AbortError') return 'microphone-busy';
    if (name === 'ZodError') return 'bad-response';
  }
  // fetch() rejects with a TypeError when the host is gone ("Failed to fetch", "NetworkError…").
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return 'host-unreachable';
  }
  return undefined;
}

/**
 * What to show for an error: the catalogue's words for its code; an unknown
 * error keeps its own (English) message in English and a general one in French.
 */
export function describeError(error: unknown, locale: UiLocale): Said {
  const code = errorCode(error);
  if (code && isKnownCode(code)) {
    const vars = error instanceof ApiCallError ? error.vars : undefined;
    return vars ? withVars(code, vars, locale) : catalogues[locale][code];
  }
  if (locale === 'en' && error instanceof Error && error.message) {
    return {
      message: error.message,
      ...(error instanceof ApiCallError && error.hint ? { hint: error.hint } : {}),
    };
  }
  return catalogues[locale].unexpected;
}

/**
 * The screens' fields a refused value can come from (shared/input-refusal.ts
 * names them by their place in the call): each with its label and unit, so
 * the message says « Verrouiller après inactivité » and « minutes », never
 * autoLockMinutes. A field not listed here gets the general words.
 */
const FIELDS: Record<string, { label: MessageKey; unit?: MessageKey }> = {
  autoLockMinutes: { label: 'field.autoLockMinutes', unit: 'field.unit.minutes' },
};

/** A catalogue message with the values the error carries, numbers written the locale's way. */
function withVars(code: ErrorCode, vars: Record<string, string | number>, locale: UiLocale): Said {
  const t = translator(locale);
  const filled: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    filled[name] =
      typeof value === 'number' ? new Intl.NumberFormat(intlLocale(locale)).format(value) : value;
  }
  if (code === 'value-out-of-range') {
    const field = FIELDS[String(vars.field)];
    if (!field) return catalogues[locale]['invalid-request'];
    filled.field = t(field.label);
    filled.unit = field.unit ? ` ${t(field.unit)}` : '';
  }
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (whole, name: string) => filled[name] ?? whole);
  // A model kind in words: « Modèle de langage », not llm.
  if (typeof vars.kind === 'string') filled.kind = t(`model.kind.${vars.kind}` as MessageKey);
  const said = catalogues[locale][code];
  return {
    message: fill(said.named ?? said.message),
    ...(said.hint ? { hint: fill(said.hint) } : {}),
  };
}

/** Until jobs carry their error's code: the core's words for the failures jobs meet. */
const JOB_ERROR_TEXTS: [RegExp, ErrorCode][] = [
  [/context is too small/i, 'minutes-context'],
  [/output was cut|not valid JSON/i, 'minutes-cut'],
  [/minutes of the wrong shape/i, 'minutes-shape'],
  [/no \w+ engine is available/i, 'no-job-handler'],
  [/no [\w ]*model is installed/i, 'no-model'],
  [/whisper-cli/i, 'engine-failed'],
  [/model host/i, 'llm-host-crashed'],
  [/has no audio/i, 'no-audio'],
  [/audio journal/i, 'journal-damaged'],
  [/cancelled/i, 'cancelled'],
];

/**
 * A failed job's error as stored in the vault: its code when the job carries
 * one, else the code the core's one-line text starts with, else general words.
 */
export function describeJobError(
  job: { error?: string | undefined; errorCode?: string | undefined },
  locale: UiLocale,
): Said {
  const code =
    job.errorCode ?? JOB_ERROR_TEXTS.find(([pattern]) => pattern.test(job.error ?? ''))?.[1];
  if (code && isKnownCode(code)) return catalogues[locale][code];
  if (locale === 'en' && job.error) return { message: job.error };
  return catalogues[locale].unexpected;
}
