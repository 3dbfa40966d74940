import type { FinalDecodingChoice } from '../../shared/meetings.js';
import { decodingModeLabel } from '../decoding-label.js';
import { useI18n } from '../i18n/i18n.js';

/** The beam size the accurate mode takes when the clerk chooses it (a policy may set another). */
const ACCURATE_BEAM_SIZE = 5;

/**
 * How the final transcription decodes (src/core/asr/decoding.ts): the fast
 * default measured in `npm run bench transcribe`, or beam search for a room
 * that prefers accuracy to waiting. Read-only when the machine policy sets it.
 */
export function DecodingField({
  value,
  lockedByPolicy,
  onChange,
}: {
  value: FinalDecodingChoice;
  lockedByPolicy: boolean;
  onChange(next: FinalDecodingChoice): void;
}) {
  const { t } = useI18n();
  const beam = (value.beamSize ?? 1) > 1;
  // The accurate option names the beam size in force, or the one choosing it gives.
  const beamSize = beam ? value.beamSize : ACCURATE_BEAM_SIZE;
  return (
    <fieldset data-testid="final-decoding" disabled={lockedByPolicy}>
      <legend>{t('settings.decoding.title')}</legend>
      <label>
        {t('settings.decoding.mode')}
        <select
          value={beam ? 'beam' : 'greedy'}
          onChange={(event) =>
            onChange({ ...value, beamSize: event.target.value === 'beam' ? ACCURATE_BEAM_SIZE : 1 })
          }
        >
          <option value="greedy">{decodingModeLabel({ beamSize: 1 }, t)}</option>
          <option value="beam">{decodingModeLabel({ beamSize }, t)}</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={value.fallback ?? true}
          onChange={(event) => onChange({ ...value, fallback: event.target.checked })}
        />
        {t('settings.decoding.fallback')}
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={value.flashAttention ?? true}
          onChange={(event) => onChange({ ...value, flashAttention: event.target.checked })}
        />
        {t('settings.decoding.flashAttention')}
      </label>
      <p className="hint">
        {lockedByPolicy ? t('settings.decoding.policy') : t('settings.decoding.hint')}
      </p>
    </fieldset>
  );
}
