import type { UiLocale } from '../shared/api.js';
import type { AuditEntryView } from '../shared/audit-api.js';
import { count, dateTime, fileSize } from './format.js';
import type { MessageKey, Translate } from './i18n/translate.js';

/** One detail of an audit entry as the Audit screen shows it. */
export interface ShownDetail {
  key: string;
  label: string;
  value: string;
  /** The whole value when the shown one is shortened (a hash). */
  full?: string;
}

type Value = NonNullable<AuditEntryView['details']>[string];

const HASHES = new Set(['sha256', 'oldTextHash', 'newTextHash', 'minutesSha256', 'fingerprint']);
const DATES = new Set(['dueAt', 'at']);
const FORMATS: Record<string, string> = {
  md: 'Markdown',
  docx: 'DOCX',
  pdf: 'PDF',
  srt: 'SRT',
  vtt: 'WebVTT',
};

/** A key of the catalogue if it exists, else undefined (a value added later shows as stored). */
function known(t: Translate, key: string): string | undefined {
  const said = t(key as MessageKey);
  return said === key ? undefined : said;
}

/** Settings changes are stored as JSON text ("\"fr\"", "30"): shown as the value they hold. */
function unwrapJson(value: Value): Value {
  if (typeof value !== 'string' || !/^(".*"|true|false|-?\d+(\.\d+)?)$/.test(value)) return value;
  try {
    return JSON.parse(value) as Value;
  } catch {
    return value;
  }
}

function shownValue(
  key: string,
  value: Value,
  t: Translate,
  locale: UiLocale,
): Pick<ShownDetail, 'value' | 'full'> {
  if (value === null) return { value: t('audit.none') };
  if (typeof value === 'boolean') return { value: t(value ? 'audit.yes' : 'audit.no') };
  if (Array.isArray(value)) {
    if (value.length === 0) return { value: t('audit.none') };
    return { value: value.map((item) => shownValue(key, item, t, locale).value).join(', ') };
  }
  if (typeof value === 'number') {
    return { value: key === 'bytes' ? fileSize(value, locale) : count(value, locale) };
  }
  if (HASHES.has(key) && value.length > 16) return { value: `${value.slice(0, 16)}…`, full: value };
  if (DATES.has(key)) return { value: dateTime(value, locale) };
  if (key === 'format') return { value: FORMATS[value] ?? value };
  const word =
    key === 'part'
      ? known(t, `retention.part.${value}`)
      : key === 'kind'
        ? known(t, `model.kind.${value}`)
        : key === 'kinds'
          ? known(t, `redaction.kind.${value}`)
          : key === 'defaultLanguage'
            ? known(t, `language.${value}`)
            : key === 'what'
              ? known(t, `audit.value.${value}`)
              : undefined;
  return { value: word ?? value };
}

/**
 * An audit entry's details in the UI's language: each key with its label
 * (an unknown key keeps its own name), each value formatted (dates, sizes,
 * numbers, yes/no, hashes shortened with the whole kept aside).
 */
export function auditDetails(
  entry: Pick<AuditEntryView, 'action' | 'details'>,
  t: Translate,
  locale: UiLocale,
): ShownDetail[] {
  return Object.entries(entry.details ?? {}).map(([key, raw]) => {
    const value = entry.action === 'settings.changed' ? unwrapJson(raw) : raw;
    const label = known(t, `audit.detail.${key}`) ?? key;
    // A redaction mark's kind is one of the redaction kinds; a model's, a model kind.
    const as = entry.action.startsWith('redaction.') && key === 'kind' ? 'kinds' : key;
    return { key, label, ...shownValue(as, value, t, locale) };
  });
}
