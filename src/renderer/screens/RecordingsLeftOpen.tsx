import type { ReactNode } from 'react';
import type { CallOutput, MeetingView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { clock } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

export type ActiveRecording = CallOutput<'recording.active'>[number];

/** Where the lists are drawn: each place keeps its own words and test ids. */
type Place = 'meetings' | 'record';

interface ListWords {
  testId: string;
  title: MessageKey;
  help?: MessageKey;
  /** The meetings list is the first screen after a restart: its notices are landmarks. */
  region: boolean;
  className?: string;
}

const WORDS: Record<Place, { active: ListWords; recovered: ListWords }> = {
  meetings: {
    active: {
      testId: 'interrupted-recordings',
      title: 'meetings.interruptedTitle',
      help: 'meetings.interruptedHelp',
      region: true,
      className: 'notice',
    },
    recovered: {
      testId: 'recovered-notice',
      title: 'meetings.recoveredTitle',
      help: 'meetings.recoveredHelp',
      region: true,
      className: 'notice',
    },
  },
  record: {
    active: {
      testId: 'active-recordings',
      title: 'record.activeTitle',
      help: 'record.activeHelp',
      region: false,
      className: 'notice',
    },
    recovered: { testId: 'recovered-meetings', title: 'record.recoveredTitle', region: false },
  },
};

/**
 * Recordings a reload or a left screen left open (resume or finish them) and
 * meetings recovered after the app stopped mid-recording (open them to check
 * where the audio ends). Drawn on the meetings list and before a recording.
 */
export function RecordingsLeftOpen(props: {
  place: Place;
  /** Recordings the host holds open (no page captures them: leaving Record stops the microphone). */
  active: ActiveRecording[];
  recovered: MeetingView[];
  onResume(recording: ActiveRecording): void;
  open(route: Route): void;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const { place, active, recovered, onResume, open, onError } = props;
  const words = WORDS[place];

  async function finish(recording: ActiveRecording) {
    onError(undefined);
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
        <Notice words={words.active} id={`${place}-left-open-title`}>
          <ul>
            {active.map((recording) => (
              <li key={recording.meetingId}>
                <strong translate="no">{recording.title}</strong> ·{' '}
                {t('meetings.interruptedKept', { time: clock(recording.durationMs) })}{' '}
                <button type="button" className="primary" onClick={() => onResume(recording)}>
                  {t('record.resumeRecording')}
                </button>{' '}
                <button type="button" onClick={() => void finish(recording)}>
                  {t('record.finishRecording')}
                </button>
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {recovered.length > 0 && (
        <Notice words={words.recovered} id={`${place}-recovered-title`}>
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
        </Notice>
      )}
    </>
  );
}

function Notice(props: { words: ListWords; id: string; children: ReactNode }) {
  const { t } = useI18n();
  const { words, id } = props;
  return (
    <section
      className={words.className}
      role={words.region ? 'region' : undefined}
      aria-labelledby={id}
      data-testid={words.testId}
    >
      <h2 id={id}>{t(words.title)}</h2>
      {words.help && <p>{t(words.help)}</p>}
      {props.children}
    </section>
  );
}
