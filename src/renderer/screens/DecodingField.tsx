import type { FinalDecodingChoice } from '../../shared/meetings.js';
import { useI18n } from '../i18n/i18n.js';

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
  return (
    <fieldset data-testid="final-decoding" disabled={lockedByPolicy}>
      <legend>{t('settings.decoding.title')}</legend>
      <label>
        {t('settings.decoding.mode')}
        <select
          value={beam ? 'beam' : 'greedy'}
          onChange={(event) =>
            onChange({ ...value, beamSize: event.target.value === 'beam' ? 5 : 1 })
          }
        >
          <option value="greedy">{t('settings.decoding.greedy')}</option>
          <option value="beam">{t('settings.decoding.beam')}</option>
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
