import type { FinalDecodingChoice } from '../shared/meetings.js';
import type { Translate } from './i18n/translate.js';

/**
 * The final decoding's mode as the clerk reads it, with the beam size in
 * force (a machine policy may set 3): Settings, the policy section and the
 * audit trail all name it here, so no screen says a number it did not read.
 */
export function decodingModeLabel(choice: FinalDecodingChoice, t: Translate): string {
  const beamSize = choice.beamSize ?? 1;
  return beamSize > 1
    ? t('settings.decoding.beam', { n: beamSize })
    : t('settings.decoding.greedy');
}
