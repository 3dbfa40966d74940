import { describe, expect, it } from 'vitest';
import {
  base64ToBytes,
  bytesToBase64,
  clock,
  count,
  duration,
  fileSize,
  percent,
} from '../../src/renderer/format.js';
import { translator } from '../../src/renderer/i18n/translate.js';

describe('renderer helpers', () => {
  it('shows transcript times as a clerk reads them', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(63_000)).toBe('1:03');
    expect(clock(3_723_999)).toBe('1:02:03');
    expect(clock(-5)).toBe('0:00');
  });

  it('formats sizes, durations, percentages and numbers with Intl for the UI language', () => {
    const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
    expect(spaces(fileSize(1_500_000, 'fr'))).toBe('1,5 Mo');
    expect(fileSize(1_500_000, 'en')).toBe('1.5 MB');
    expect(spaces(fileSize(466_000_000, 'fr'))).toBe('466 Mo');
    expect(spaces(fileSize(2_000_000_000, 'fr'))).toBe('2 Go');
    expect(spaces(duration(3_723_000, 'fr'))).toBe('1 h 2 min 3 s');
    expect(spaces(duration(32_000, 'en'))).toBe('32 secs');
    expect(spaces(duration(0, 'fr'))).toBe('0 s');
    expect(spaces(percent(0.456, 'fr'))).toBe('46 %');
    expect(percent(0.456, 'en')).toBe('46%');
    expect(spaces(count(12_345, 'fr'))).toBe('12 345');
  });

  it('round-trips audio bytes through base64 in chunks (no call-stack overflow on 1 s of PCM)', () => {
    const bytes = new Uint8Array(32_000 * 3).map((_, i) => (i * 7) % 256);
    const encoded = bytesToBase64(bytes);
    expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(encoded)).toEqual(bytes);
  });

  it('translates with placeholders and falls back to English, then to the key', () => {
    const fr = translator('fr');
    expect(fr('record.markers', { list: '0:10, 1:00' })).toBe('Repères\u202f: 0:10, 1:00');
    expect(translator('en')('ask.holdToTalk', { key: 'F2' })).toBe('Hold to speak (F2)');
    expect(fr('no.such.key' as never)).toBe('no.such.key');
  });
});
