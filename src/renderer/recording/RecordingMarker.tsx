import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { useRecording } from './RecordingSession.js';

/**
 * « ● Enregistrement 12:34 » in the top bar, on every screen while a
 * recording runs: the clerk who went to Questions sees the microphone is
 * still on, and one click brings back the Record screen.
 */
export function RecordingMarker({ onOpen }: { onOpen(): void }) {
  const { t } = useI18n();
  const { state, error } = useRecording();
  if (!state) return null;
  return (
    <button
      type="button"
      className={`recording-marker${error ? ' trouble' : ''}`}
      data-testid="recording-marker"
      onClick={onOpen}
    >
      {/* The visible words start the accessible name (axe: label-content-name-mismatch). */}
      <span className="dot" aria-hidden="true" />{' '}
      {state.paused ? t('nav.recordingPaused') : t('nav.recording')}{' '}
      <time>{clock(state.elapsedMs)}</time>
      {error ? <span> · {t('nav.recordingTrouble')}</span> : null}
      <span className="visually-hidden">
        {' '}
        — {state.paused ? t('nav.recordingPausedAction') : t('nav.recordingAction')}
      </span>
    </button>
  );
}
