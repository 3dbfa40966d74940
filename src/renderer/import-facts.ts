import type { ImportProbeView } from '../shared/import-api.js';
import { duration } from './format.js';
import type { Translate } from './i18n/translate.js';

/**
 * What the import panel says of a file before it is imported: its format,
 * length and channels in the reader's words. The probe says "unknown" for a
 * container or codec it does not recognise; that word is never shown as is
 * (the walk saw « Format UNKNOWN », « Canaux inconnue »).
 */
export function importFacts(
  probe: ImportProbeView,
  t: Translate,
  locale: string,
): { format: string; length: string; channels: string } {
  const container =
    probe.container === 'unknown' ? t('import.formatUnknown') : probe.container.toUpperCase();
  const codec = probe.codec === 'unknown' ? t('import.codecUnknown') : probe.codec;
  const format =
    probe.container !== 'unknown' && probe.codec && probe.codec !== probe.container
      ? `${container} · ${codec}`
      : container;
  const length =
    probe.durationMs === undefined
      ? t('import.unknown')
      : probe.durationExact
        ? duration(probe.durationMs, locale)
        : t('import.about', { time: duration(probe.durationMs, locale) });
  const channels =
    probe.channels === undefined
      ? t('import.channelsUnknown')
      : probe.channels === 1
        ? t('import.mono')
        : probe.channels === 2
          ? t('import.stereo')
          : String(probe.channels);
  return { format, length, channels };
}
