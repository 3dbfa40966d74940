import { sha256Hex } from '../audit/log.js';

/**
 * JSON with object keys sorted at every level: the same value always gives
 * the same bytes, whatever order its fields were built in, so its SHA-256
 * can be signed and checked again later.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** SHA-256 in hex: the audit trail's one-shot helper, one hashing helper for the record. */
export const sha256 = sha256Hex;

export function sha256Json(value: unknown): string {
  return sha256(canonicalJson(value));
}
