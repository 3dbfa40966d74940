import type { Translate } from './i18n/translate.js';

/** 3723000 → "1:02:03", 63000 → "1:03": the clock a clerk reads on a transcript. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** The BCP 47 tag Intl formats with for a UI language. */
export function intlLocale(locale: string): string {
  return locale === 'fr' ? 'fr-FR' : 'en-GB';
}

export function dateTime(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(intlLocale(locale), { dateStyle: 'medium', timeStyle: 'short' });
}

/** 0.456 → "46 %" (fr) or "46%" (en). */
export function percent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'percent',
    maximumFractionDigits: 0,
  }).format(Math.min(1, Math.max(0, fraction)));
}

/** 1_500_000 → "1,5 Mo" (fr) or "1.5 MB" (en): decimal units, as file managers show them. */
export function fileSize(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'unit',
    unit: units[unit],
    unitDisplay: units[unit] === 'byte' ? 'long' : 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

/** 3_723_000 → "1 h 2 min 3 s" (fr) or "1 hr 2 min 3 sec" (en): a length of time, not a clock. */
export function duration(ms: number, locale: string): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts: [number, 'hour' | 'minute' | 'second'][] = [
    [Math.floor(total / 3600), 'hour'],
    [Math.floor((total % 3600) / 60), 'minute'],
    [total % 60, 'second'],
  ];
  const shown = parts.filter(([value], index) => value > 0 || (index === 2 && total === 0));
  return shown
    .map(([value, unit]) =>
      new Intl.NumberFormat(intlLocale(locale), {
        style: 'unit',
        unit,
        unitDisplay: 'short',
      }).format(value),
    )
    .join(' ');
}

/** A whole number with the language's digit grouping: 12345 → "12 345" (fr). */
export function count(value: number, locale: string): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(value);
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * A day typed the way French and British clerks write it (03/11/2026, 3.11.2026,
 * 3-11-2026) or as ISO (2026-11-03), as ISO; undefined when it is no real day.
 * The app reads dates itself: a browser's date field follows the browser's
 * language, not the UI's.
 */
export function parseDay(text: string): string | undefined {
  const typed = text.trim();
  const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(typed);
  const ymd = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
  const [day, month, year] = dmy
    ? [dmy[1], dmy[2], dmy[3]].map(Number)
    : ymd
      ? [ymd[3], ymd[2], ymd[1]].map(Number)
      : [];
  if (!day || !month || !year) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  return date.toISOString().slice(0, 10);
}

/** « 1 canal », « 2 canaux »: no « canal(aux) » (the walk). */
export function channelCount(n: number, t: Translate): string {
  return t('record.channelCount', { n });
}

/**
 * A signing key's short fingerprint, as every screen writes it (the meeting's
 * signature block, the verify panel, the audit trail): 16 hex digits in
 * groups of four, upper case.
 */
export function shortFingerprint(fingerprint: string): string {
  return (fingerprint.slice(0, 16).match(/.{4}/g) ?? []).join(' ').toUpperCase();
}
