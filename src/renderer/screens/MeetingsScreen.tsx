import { useCallback, useEffect, useState } from 'react';
import type { CallOutput, MeetingStatus, MeetingView } from '../../shared/api.js';
import { minutesStateOf, type MinutesStatus } from '../../shared/record.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { ErrorNote, ProgressBar } from '../components/ErrorNote.js';
import { dateTime, duration } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';
import { meetingBadge } from '../meeting-status.js';
import { minutesStatusKey } from './ApprovalPanel.js';
import { ImportPanel } from './ImportPanel.js';
import { RecordingsLeftOpen, type ActiveRecording } from './RecordingsLeftOpen.js';
import { useRecordingHandover } from '../recording/RecordingSession.js';
import type { ImportWarningView } from '../components/ImportWarnings.js';

const STATUSES: MeetingStatus[] = [
  'recording',
  'transcribing',
  'summarising',
  'ready',
  'recovered',
  'failed',
];

/** The minutes' states the « État » filter offers, after the meeting's own (walk 4, finding 10). */
const MINUTES_STATES: MinutesStatus[] = ['draft', 'submitted', 'returned', 'approved'];
type Filter = MeetingStatus | `minutes:${MinutesStatus}` | '';

export function statusKey(status: MeetingStatus): MessageKey {
  return `status.${status}` as MessageKey;
}

export function MeetingsScreen(props: {
  open(route: Route): void;
  status: CallOutput<'app.status'>;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<Filter>('');
  const [meetings, setMeetings] = useState<MeetingView[] | undefined>();
  const [error, setError] = useState<unknown>();
  // Recordings left open (a reload, a closed window): no page captures them.
  const [active, setActive] = useState<ActiveRecording[]>([]);
  const [recovered, setRecovered] = useState<MeetingView[]>([]);
  const { capturingId } = useRecordingHandover();

  const { open } = props;
  const onImported = useCallback(
    (id: string, importWarnings: ImportWarningView[]) =>
      open({ name: 'meeting', id, importWarnings }),
    [open],
  );

  const load = useCallback(() => {
    api
      .call('meetings.list', {
        ...(query.trim() ? { query: query.trim() } : {}),
        ...(status.startsWith('minutes:')
          ? { minutes: status.slice('minutes:'.length) as MinutesStatus }
          : status
            ? { status: status as MeetingStatus }
            : {}),
      })
      .then((list) => {
        setMeetings(list);
        setError(undefined);
      })
      .catch(setError);
    // The recording this window captures is not « left open ».
    api.call('recording.active', {}).then(
      (list) => setActive(list.filter((each) => each.meetingId !== capturingId)),
      () => undefined,
    );
    api.call('meetings.list', { status: 'recovered' }).then(
      // Once its minutes are approved, a recovered meeting needs nothing more from the clerk.
      (list) => setRecovered(list.filter((meeting) => meeting.minutesStatus !== 'approved')),
      () => undefined,
    );
  }, [api, query, status, capturingId]);

  useEffect(() => {
    load();
    const offChanged = api.on('meeting.changed', load);
    const offProgress = api.on('job.progress', (event) =>
      setMeetings((current) =>
        current?.map((meeting) =>
          meeting.id === event.meetingId
            ? {
                ...meeting,
                jobs: [...meeting.jobs.filter((job) => job.id !== event.job.id), event.job],
              }
            : meeting,
        ),
      ),
    );
    return () => {
      offChanged();
      offProgress();
    };
  }, [api, load]);

  return (
    <section data-screen="meetings" aria-labelledby="meetings-title">
      <div className="titlebar">
        <h1 id="meetings-title">{t('meetings.title')}</h1>
        <button type="button" className="primary" onClick={() => props.open({ name: 'record' })}>
          {t('meetings.new')}
        </button>
      </div>
      <RecordingsLeftOpen
        place="meetings"
        active={active}
        recovered={recovered}
        onResume={(recording) => open({ name: 'record', resume: recording.meetingId })}
        open={open}
        onError={setError}
      />
      <ImportPanel onImported={onImported} />
      {!props.status.hasAsrModel && (
        <div className="notice" role="note" data-testid="no-models">
          <p>{t('meetings.noModels')}</p>
          <button type="button" onClick={() => props.open({ name: 'settings' })}>
            {t('meetings.importModels')}
          </button>
        </div>
      )}
      <div className="filters" role="search">
        <label>
          {t('meetings.search')}
          <input
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            placeholder={t('meetings.searchPlaceholder')}
          />
        </label>
        <label>
          {t('meetings.filterStatus')}
          <select value={status} onChange={(event) => setStatus(event.target.value as Filter)}>
            <option value="">{t('meetings.allStatuses')}</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {t(statusKey(value))}
              </option>
            ))}
            <optgroup label={t('meeting.minutes')}>
              {MINUTES_STATES.map((value) => (
                <option key={value} value={`minutes:${value}`}>
                  {t(`meetings.filterMinutes.${value}` as MessageKey)}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
      </div>
      <ErrorNote error={error} />
      {meetings && meetings.length === 0 && <p>{t('meetings.empty')}</p>}
      {meetings && meetings.length > 0 && (
        <ul className="meeting-list" aria-label={t('meetings.title')}>
          {meetings.map((meeting) => {
            const open = active.find((recording) => recording.meetingId === meeting.id);
            return (
              <li key={meeting.id} data-meeting-id={meeting.id} data-status={meeting.status}>
                <button
                  type="button"
                  className="meeting-link"
                  onClick={() => props.open({ name: 'meeting', id: meeting.id })}
                >
                  <span className="meeting-title" translate="no">
                    {meeting.title}
                  </span>
                  <span className="meeting-meta">
                    {dateTime(meeting.startedAt, locale)} ·{' '}
                    {duration(open ? open.durationMs : meeting.durationMs, locale)}
                  </span>
                </button>
                {open ? (
                  <span className="badge recovered">{t('status.interrupted')}</span>
                ) : (
                  <Badge meeting={meeting} />
                )}
                {meeting.jobs
                  .filter((job) => job.state === 'running' || job.state === 'queued')
                  .map((job) => (
                    <ProgressBar
                      key={job.id}
                      value={job.progress}
                      label={t(`job.${job.kind}` as MessageKey)}
                      queued={job.state === 'queued'}
                    />
                  ))}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Badge({ meeting }: { meeting: MeetingView }) {
  const { t } = useI18n();
  const badge = meetingBadge(meeting);
  // A ready meeting also says where its minutes are: « Prête » alone hid an approval.
  const minutes = minutesStateOf(meeting);
  return (
    <>
      <span className={`badge ${badge.className}`}>{t(badge.key)}</span>
      {minutes && (
        <span className={`badge minutes-${minutes}`} data-testid="list-minutes-status">
          {t(minutesStatusKey(minutes))}
        </span>
      )}
    </>
  );
}
