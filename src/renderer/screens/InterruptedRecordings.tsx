import { useCallback, useEffect, useState } from 'react';
import type { MeetingView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import type { ActiveRecording } from './PendingRecordings.js';

/**
 * On the meetings list, the first screen after a reload or a restart: a
 * recording left open (the page was reloaded or the window closed while
 * it ran) can be resumed or finished from here, and meetings recovered after
 * the app stopped mid-recording say what was kept and what to check.
 */
export function InterruptedRecordings(props: {
  /** Recordings the host holds open (no page captures them: a reload, a closed window; the one this window captures is left out). */
  active: ActiveRecording[];
  open(route: Route): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const { active, open, onError } = props;
  const [recovered, setRecovered] = useState<MeetingView[]>([]);

  const load = useCallback(() => {
    api.call('meetings.list', { status: 'recovered' }).then(
      // Once its minutes are approved, a recovered meeting needs nothing more from the clerk.
      (list) => setRecovered(list.filter((meeting) => meeting.minutesStatus !== 'approved')),
      () => undefined,
    );
  }, [api]);
  useEffect(() => {
    load();
    return api.on('meeting.changed', load);
  }, [api, load]);

  async function finish(recording: ActiveRecording) {
    try {
      await api.call('recording.stop', { meetingId: recording.meetingId });
      open({ name: 'meeting', id: recording.meetingId });
    } catch (caught) {
      onError(caught);
    }
  }

  return (
    <>
      {active.length > 0 && (
        <section
          className="notice"
          role="region"
          aria-labelledby="interrupted-title"
          data-testid="interrupted-recordings"
        >
          <h2 id="interrupted-title">{t('meetings.interruptedTitle')}</h2>
          <p>{t('meetings.interruptedHelp')}</p>
          <ul>
            {active.map((recording) => (
              <li key={recording.meetingId}>
                <strong translate="no">{recording.title}</strong> ·{' '}
                {t('meetings.interruptedKept', { time: clock(recording.durationMs) })}{' '}
                <button
                  type="button"
                  className="primary"
                  onClick={() => open({ name: 'record', resume: recording.meetingId })}
                >
                  {t('record.resumeRecording')}
                </button>{' '}
                <button type="button" onClick={() => void finish(recording)}>
                  {t('record.finishRecording')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {recovered.length > 0 && (
        <section
          className="notice"
          role="region"
          aria-labelledby="recovered-list-title"
          data-testid="recovered-notice"
        >
          <h2 id="recovered-list-title">{t('meetings.recoveredTitle')}</h2>
          <p>{t('meetings.recoveredHelp')}</p>
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
    </>
  );
}
