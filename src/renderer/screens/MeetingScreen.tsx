import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ImportWarnings, type ImportWarningView } from '../components/ImportWarnings.js';
import type { MeetingDetailView } from '../../shared/api.js';
import { withMarkersInPlace } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { ErrorNote, ProgressBar } from '../components/ErrorNote.js';
import { clock, dateTime, duration } from '../format.js';
import { describeJobError } from '../i18n/errors.js';
import { useI18n, type MessageKey, type Translate } from '../i18n/i18n.js';
import {
  canTranscribe,
  failedJobsToShow,
  meetingBadge,
  withJobProgress,
} from '../meeting-status.js';
import { ProvisionalTranscript, useProvisionalLines } from '../recording/ProvisionalTranscript.js';
import { useRecordingHandover } from '../recording/RecordingSession.js';
import { ApprovalPanel } from './ApprovalPanel.js';
import { MeetingExport } from './MeetingExport.js';
import { MeetingMinutes } from './MeetingMinutes.js';
import { MeetingPlayer, type PlayerHandle } from './MeetingPlayer.js';
import { DeletePanel, SegmentRow, SpeakersPanel } from './MeetingParts.js';
import { RedactionPanel, RetentionPanel } from './MeetingRecord.js';
import { SpeakerTimeline } from './SpeakerTimeline.js';

export { templateName } from './MeetingMinutes.js';

/** Job codes that mean "waiting for a model to be installed": the page offers the import. */
const WAITS_FOR_MODELS = new Set(['no-asr-model', 'no-llm-model', 'no-voice-models']);

export function MeetingScreen(props: {
  id: string;
  atMs?: number;
  /** The machine policy turned exports off on this PC. */
  exportsOff?: boolean;
  /** Damage the import of this meeting stepped over (only right after an import). */
  importWarnings?: ImportWarningView[];
  open(route: Route): void;
}) {
  const api = useApi();
  const { t, locale } = useI18n();
  const [meeting, setMeeting] = useState<MeetingDetailView | undefined>();
  const [error, setError] = useState<unknown>();
  const [focusId, setFocusId] = useState<string | undefined>();
  const [now, setNow] = useState<{ ms: number; playing: boolean } | undefined>();
  const player = useRef<PlayerHandle>(null);
  const onTime = useCallback((ms: number, playing: boolean) => setNow({ ms, playing }), []);
  // Still « recording » but left open by a reload or a closed window: no page captures it.
  const [leftOpen, setLeftOpen] = useState(false);
  // The recording this window captures is not « left open »; its lines show until the final ones.
  const { capturingId } = useRecordingHandover();
  const provisional = useProvisionalLines(props.id);

  const load = useCallback(() => {
    api
      .call('meetings.get', { id: props.id })
      .then((value) => {
        setMeeting(value);
        setError(undefined);
        if (value.status !== 'recording') return setLeftOpen(false);
        api.call('recording.active', {}).then(
          (active) =>
            setLeftOpen(
              value.id !== capturingId && active.some((each) => each.meetingId === value.id),
            ),
          () => undefined,
        );
      })
      .catch(setError);
  }, [api, props.id, capturingId]);

  useEffect(() => {
    load();
    const off = api.on('meeting.changed', (event) => {
      if (event.meetingId === props.id) load();
    });
    const offProgress = api.on('job.progress', (event) => {
      if (event.meetingId !== props.id) return;
      setMeeting(
        (current) =>
          current && {
            ...current,
            jobs: withJobProgress(current.jobs, event.job),
          },
      );
    });
    return () => {
      off();
      offProgress();
    };
  }, [api, load, props.id]);

  // A citation opened us at a moment: focus the segment that holds it.
  useEffect(() => {
    if (!meeting || props.atMs === undefined) return;
    const target =
      meeting.segments.find((s) => s.startMs <= props.atMs! && props.atMs! < s.endMs) ??
      meeting.segments.find((s) => s.startMs >= props.atMs!);
    if (target) setFocusId(target.id);
  }, [meeting, props.atMs]);

  useEffect(() => {
    if (!focusId) return;
    const element = document.getElementById(`segment-${focusId}`);
    element?.scrollIntoView({ block: 'center' });
    element?.focus();
  }, [focusId]);

  // Lines and the clerk's markers in order, worked out once per version of the meeting.
  const transcript = useMemo(
    () => (meeting ? withMarkersInPlace(meeting.segments, meeting.markers) : []),
    [meeting],
  );

  // The line being heard: highlighted, and kept in view while the audio plays.
  const currentId =
    now === undefined
      ? undefined
      : meeting?.segments.find((s) => s.startMs <= now.ms && now.ms < s.endMs)?.id;
  const following = now?.playing ?? false;
  useEffect(() => {
    if (!currentId || !following) return;
    document
      .getElementById(`segment-${currentId}`)
      ?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [currentId, following]);

  if (!meeting) {
    return (
      <section data-screen="meeting">
        {error ? <ErrorNote error={error} /> : <p role="status">{t('app.loading')}</p>}
      </section>
    );
  }

  const speakerName = (id: string | undefined) =>
    meeting.speakers.find((speaker) => speaker.id === id)?.name ?? '';
  const running = meeting.jobs.filter((job) => job.state === 'running' || job.state === 'queued');
  // A meeting always has a way forward: transcribe it when nothing is doing so.
  const offerTranscribe = canTranscribe(meeting);

  async function transcribe() {
    setError(undefined);
    try {
      await api.call('meetings.transcribe', { id: props.id });
    } catch (caught) {
      setError(caught);
    }
  }
  const locked = meeting.minutesStatus === 'submitted' || meeting.minutesStatus === 'approved';
  const badge = leftOpen
    ? { key: 'status.interrupted' as const, className: 'recovered' }
    : meetingBadge(meeting);

  const segmentLinks = (ids: string[]) =>
    ids
      .filter((id) => meeting.segments.some((s) => s.id === id))
      .map((id) => {
        const segment = meeting.segments.find((s) => s.id === id)!;
        return (
          <button
            key={id}
            type="button"
            className="cite"
            data-segment-link={id}
            aria-label={t('meeting.goToSegment', { time: clock(segment.startMs) })}
            onClick={() => setFocusId(id)}
          >
            {clock(segment.startMs)}
          </button>
        );
      });

  return (
    <section data-screen="meeting" data-meeting-id={meeting.id} aria-labelledby="meeting-title">
      <div className="titlebar">
        <h1 id="meeting-title" translate="no">
          {meeting.title}
        </h1>
        <span className={`badge ${badge.className}`} data-testid="meeting-status">
          {t(badge.key)}
        </span>
      </div>
      <p className="meeting-meta">
        {dateTime(meeting.startedAt, locale)} · {duration(meeting.durationMs, locale)}
        {statusNote(meeting, locale, t)}
      </p>
      {leftOpen && (
        <p className="notice" data-testid="left-open">
          {t('meetings.interruptedHelp')}{' '}
          <button
            type="button"
            className="primary"
            onClick={() => props.open({ name: 'record', resume: meeting.id })}
          >
            {t('record.resumeRecording')}
          </button>
        </p>
      )}
      <ImportWarnings warnings={props.importWarnings} />
      {running.map((job) => (
        <div key={job.id}>
          <ProgressBar
            value={job.progress}
            label={t(`job.${job.kind}` as MessageKey)}
            queued={job.state === 'queued'}
          />
          {job.state === 'queued' && job.errorCode && (
            <p className="hint" data-testid="job-waiting">
              {Object.values(describeJobError(job, locale)).join(' ')}{' '}
              {WAITS_FOR_MODELS.has(job.errorCode) && (
                <button type="button" onClick={() => props.open({ name: 'settings' })}>
                  {t('meeting.importModels')}
                </button>
              )}
            </p>
          )}
        </div>
      ))}
      {failedJobsToShow(meeting.jobs).map((job) => {
        const said = describeJobError(job, locale);
        return (
          <div key={job.id} role="alert" className="error" data-testid="job-error">
            <strong>{t('job.failed', { job: t(`job.${job.kind}` as MessageKey) })}</strong>{' '}
            <span>{said.message}</span>
            {said.hint && <p className="hint">{said.hint}</p>}
          </div>
        );
      })}
      <ErrorNote error={error} />

      <div className="meeting-grid">
        <section aria-labelledby="transcript-title" className="transcript">
          <h2 id="transcript-title">{t('meeting.transcript')}</h2>
          {meeting.durationMs > 0 && (
            <MeetingPlayer
              ref={player}
              meetingId={meeting.id}
              durationMs={meeting.durationMs}
              onTime={onTime}
              onError={setError}
            />
          )}
          <SpeakerTimeline
            meeting={meeting}
            onPlay={(ms) => player.current?.playFrom(ms)}
            onError={setError}
          />
          {meeting.segments.length === 0 &&
            (provisional.length > 0 ? (
              <ProvisionalTranscript lines={provisional} speakers={meeting.speakers} />
            ) : (
              <p data-testid="no-transcript">{t('meeting.noTranscript')}</p>
            ))}
          {offerTranscribe && (
            <button type="button" data-testid="transcribe" onClick={() => void transcribe()}>
              {meeting.segments.length === 0 ? t('meeting.transcribe') : t('meeting.retranscribe')}
            </button>
          )}
          <ol data-testid="transcript">
            {transcript.map((item, index) =>
              item.kind === 'marker' ? (
                <MarkerRow key={`m-${index}`} marker={item} />
              ) : (
                <SegmentRow
                  key={item.segment.id}
                  meetingId={meeting.id}
                  segment={item.segment}
                  speakers={meeting.speakers}
                  speaker={speakerName(item.segment.speakerId)}
                  focused={focusId === item.segment.id}
                  current={item.segment.id === currentId}
                  onPlay={() => player.current?.playFrom(item.segment.startMs)}
                  onSaved={load}
                  onError={setError}
                  readOnly={locked}
                />
              ),
            )}
          </ol>
        </section>

        <aside className="side">
          <MeetingMinutes
            meeting={meeting}
            locked={locked}
            segmentLinks={segmentLinks}
            onChanged={load}
            onError={setError}
          />

          <ApprovalPanel meeting={meeting} onChanged={load} onError={setError} />

          <SpeakersPanel meeting={meeting} onChanged={load} onError={setError} />

          <MeetingExport
            meetingId={meeting.id}
            exportsOff={props.exportsOff ?? false}
            onError={setError}
          />

          <RedactionPanel meeting={meeting} onError={setError} />
          <RetentionPanel meeting={meeting} onError={setError} />

          <DeletePanel
            meetingId={meeting.id}
            onDeleted={() => props.open({ name: 'meetings' })}
            onError={setError}
          />
        </aside>
      </div>
    </section>
  );
}

function MarkerRow({ marker }: { marker: { atMs: number; label: string } }) {
  const { t } = useI18n();
  return (
    <li className="marker" data-testid="marker">
      <span className="time">{clock(marker.atMs)}</span> <strong>{t('meeting.marker')}</strong>
      {marker.label && (
        <span translate="no">
          {t('common.colon')} {marker.label}
        </span>
      )}
    </li>
  );
}

/**
 * Why the meeting is in its state, in the UI's language. The vault's note is
 * English free text: shown as is in English, said by status in French.
 */
function statusNote(meeting: MeetingDetailView, locale: string, t: Translate): string {
  if (!meeting.statusNote) return '';
  if (locale === 'en') return ` · ${meeting.statusNote}`;
  if (meeting.status === 'recovered') return ` · ${t('meeting.noteRecovered')}`;
  if (meeting.status === 'failed') return ` · ${t('meeting.noteFailed')}`;
  return '';
}
