/**
 * What a clerk usually hides before a record leaves the room, found in a
 * segment's text: e-mail addresses, phone numbers (French and
 * international), IBANs (mod-97 checked), French social-security numbers
 * (NIR, with their key) and SIRET numbers (Luhn checked). Checksums keep
 * ordinary figures (a budget, a date) out of the suggestions.
 */
export type PatternKind = 'email' | 'phone' | 'iban' | 'nir' | 'siret';

export interface Found {
  start: number;
  end: number;
  text: string;
  kind: PatternKind | 'name';
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// 01 23 45 67 89, 01.23.45.67.89, 0123456789, +33 1 23 45 67 89, +33 (0)1 23…
const PHONE_FR = /(?<![\d+])(?:\+33\s?(?:\(0\)\s?)?|0033\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)/g;
// +44 20 7946 0958, +1 212-555-0100: "+", a country code, then 6 to 14 digits in groups.
const PHONE_INTL = /(?<![\d+])\+(?!33)[1-9]\d{0,2}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?!\d)/g;
const IBAN = /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b/g;
// Sex, year, month, department (2A/2B in Corsica), commune, order, key.
const NIR =
  /(?<!\d)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}(?!\d)/g;
const SIRET = /(?<!\d)\d{3}\s?\d{3}\s?\d{3}\s?\d{5}(?!\d)/g;

const digits = (text: string) => text.replace(/[^0-9A-Za-z]/g, '');

/** ISO 13616: the country code and check digits moved to the end, letters as numbers, mod 97 = 1. */
export function ibanValid(text: string): boolean {
  const iban = digits(text).toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const char of moved) {
    const value = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const d of value) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

/** NIR key = 97 − (the 13 digits mod 97); Corsica's 2A and 2B count as 19 and 18. */
export function nirValid(text: string): boolean {
  const nir = digits(text).toUpperCase();
  if (nir.length !== 15) return false;
  const body = nir.slice(0, 13).replace('2A', '19').replace('2B', '18');
  if (!/^\d{13}$/.test(body)) return false;
  const key = Number(nir.slice(13));
  return key === 97 - Number(BigInt(body) % 97n);
}

export function luhnValid(text: string): boolean {
  const number = digits(text);
  if (!/^\d+$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function scan(
  text: string,
  pattern: RegExp,
  kind: PatternKind,
  valid?: (s: string) => boolean,
): Found[] {
  const found: Found[] = [];
  for (const match of text.matchAll(pattern)) {
    const value = match[0].trim();
    if (valid && !valid(value)) continue;
    found.push({ start: match.index, end: match.index + value.length, text: value, kind });
  }
  return found;
}

/** Every pattern found in a text, earliest first, overlaps resolved in favour of the longer. */
export function findPatterns(text: string): Found[] {
  const all = [
    ...scan(text, EMAIL, 'email'),
    ...scan(text, IBAN, 'iban', ibanValid),
    ...scan(text, NIR, 'nir', nirValid),
    ...scan(text, SIRET, 'siret', luhnValid),
    ...scan(text, PHONE_FR, 'phone'),
    ...scan(text, PHONE_INTL, 'phone', (s) => digits(s).length >= 8 && digits(s).length <= 15),
  ].sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const kept: Found[] = [];
  for (const found of all) {
    const last = kept.at(-1);
    if (last && found.start < last.end) continue;
    kept.push(found);
  }
  return kept;
}

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Where the roster's names occur (accents and case aside): the full name,
 * and the surname alone when it is a word of three letters or more.
 */
export function findNames(text: string, names: string[]): Found[] {
  const folded = fold(text);
  // Folding may change lengths only for rare ligatures; then offsets are unsafe and the name is skipped.
  if (folded.length !== text.length) return [];
  const needles = new Set<string>();
  for (const name of names) {
    const clean = name.trim();
    if (clean.length < 3) continue;
    needles.add(fold(clean));
    const parts = clean.split(/\s+/);
    const last = parts.at(-1)!;
    if (parts.length > 1 && last.length >= 3) needles.add(fold(last));
  }
  const found: Found[] = [];
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    let at = folded.indexOf(needle);
    while (at !== -1) {
      const end = at + needle.length;
      const boundary = !/\p{L}/u.test(folded[at - 1] ?? '') && !/\p{L}/u.test(folded[end] ?? '');
      if (boundary && !found.some((f) => at < f.end && end > f.start)) {
        found.push({ start: at, end, text: text.slice(at, end), kind: 'name' });
      }
      at = folded.indexOf(needle, at + 1);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
