import type { CallOutput, MeetingView } from '../../shared/api.js';
import type { Route } from '../App.js';
import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

export type ActiveRecording = CallOutput<'recording.active'>[number];

/**
 * What the clerk must know before starting a recording: recordings a reload
 * left open (resume or finish them), meetings recovered after an
 * interruption, and that no speech model is installed yet.
 */
export function PendingRecordings(props: {
  active: ActiveRecording[];
  recovered: MeetingView[];
  hasAsrModel: boolean;
  onResume(recording: ActiveRecording): void;
  onFinish(recording: ActiveRecording): void;
  open(route: Route): void;
}) {
  const { t } = useI18n();
  const { active, recovered, hasAsrModel, onResume, onFinish, open } = props;
  return (
    <>
      {active.length > 0 && (
        <section className="notice" aria-labelledby="active-title" data-testid="active-recordings">
          <h2 id="active-title">{t('record.activeTitle')}</h2>
          <p className="hint">{t('record.activeHelp')}</p>
          <ul>
            {active.map((recording) => (
              <li key={recording.meetingId}>
                <span translate="no">{recording.title}</span> · {clock(recording.durationMs)}{' '}
                <button type="button" className="primary" onClick={() => onResume(recording)}>
                  {t('record.resumeRecording')}
                </button>{' '}
                <button type="button" onClick={() => onFinish(recording)}>
                  {t('record.finishRecording')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {recovered.length > 0 && (
        <section aria-labelledby="recovered-title" data-testid="recovered-meetings">
          <h2 id="recovered-title">{t('record.recoveredTitle')}</h2>
          <ul>
            {recovered.map((meeting) => (
              <li key={meeting.id}>
                <button
                  type="button"
                  className="link"
                  onClick={() => open({ name: 'meeting', id: meeting.id })}
                >
                  <span translate="no">{meeting.title}</span>
                </button>{' '}
                · {clock(meeting.durationMs)}
              </li>
            ))}
          </ul>
        </section>
      )}
      {!hasAsrModel && (
        <p className="notice" role="status" data-testid="no-asr-warning">
          {t('record.noModelWarning')}
        </p>
      )}
    </>
  );
}
