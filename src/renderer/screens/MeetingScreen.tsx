import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ImportWarnings, type ImportWarningView } from '../components/ImportWarnings.js';
import type { MeetingDetailView } from '../../shared/api.js';
import { withMarkersInPlace } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { ErrorNote, ProgressBar } from '../components/ErrorNote.js';
import { base64ToBytes, clock, dateTime, duration } from '../format.js';
import { describeJobError } from '../i18n/errors.js';
import { useI18n, type MessageKey, type Translate } from '../i18n/i18n.js';
import { ApprovalPanel } from './ApprovalPanel.js';
import { MinutesEditor } from './MinutesEditor.js';
import { MeetingPlayer, type PlayerHandle } from './MeetingPlayer.js';
import { DeletePanel, SegmentRow, SpeakersPanel } from './MeetingParts.js';
import { RedactionPanel, RetentionPanel } from './MeetingRecord.js';
import { statusKey } from './MeetingsScreen.js';
import { SpeakerTimeline } from './SpeakerTimeline.js';

/** A minutes template's name in the UI's language; a template IT added keeps its file name. */
export function templateName(id: string, t: Translate): string {
  const key = `template.${id}` as MessageKey;
  const name = t(key);
  return name === key ? id.replace(/[-_]+/g, ' ') : name;
}

export function MeetingScreen(props: {
  id: string;
  atMs?: number;
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
  const [templates, setTemplates] = useState<string[]>([]);
  const [template, setTemplate] = useState('');
  const [editing, setEditing] = useState(false);
  const player = useRef<PlayerHandle>(null);
  const onTime = useCallback((ms: number, playing: boolean) => setNow({ ms, playing }), []);

  const load = useCallback(() => {
    api
      .call('meetings.get', { id: props.id })
      .then((value) => {
        setMeeting(value);
        setError(undefined);
      })
      .catch(setError);
  }, [api, props.id]);

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
            jobs: [...current.jobs.filter((job) => job.id !== event.job.id), event.job],
          },
      );
    });
    api
      .call('minutes.templates', {})
      .then((list) => {
        setTemplates(list);
        setTemplate(
          (current) => current || (list.includes('general') ? 'general' : (list[0] ?? '')),
        );
      })
      .catch(() => undefined);
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

  async function download(format: 'docx' | 'pdf' | 'md' | 'srt' | 'vtt') {
    try {
      const file = await api.call('export.meeting', { meetingId: props.id, format });
      const url = URL.createObjectURL(new Blob([base64ToBytes(file.base64)], { type: file.mime }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      // Approved minutes: the detached signature goes beside the file.
      if (file.signature) {
        const sig = URL.createObjectURL(
          new Blob([file.signature.json], { type: 'application/json' }),
        );
        const sigLink = document.createElement('a');
        sigLink.href = sig;
        sigLink.download = file.signature.fileName;
        sigLink.click();
        setTimeout(() => URL.revokeObjectURL(sig), 10_000);
      }
    } catch (caught) {
      setError(caught);
    }
  }

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
  const canTranscribe =
    meeting.status !== 'recording' &&
    meeting.durationMs > 0 &&
    !running.some((job) => job.kind === 'transcribe') &&
    (meeting.segments.length === 0 || meeting.status === 'failed');

  async function transcribe() {
    setError(undefined);
    try {
      await api.call('meetings.transcribe', { id: props.id });
    } catch (caught) {
      setError(caught);
    }
  }
  const minutes = meeting.minutes;
  const locked = meeting.minutesStatus === 'submitted' || meeting.minutesStatus === 'approved';
  // Only a draft or returned minutes can be edited: the editor closes if they get locked.
  const editingMinutes = editing && !!minutes && !locked;

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
        <span className={`badge ${meeting.status}`} data-testid="meeting-status">
          {t(statusKey(meeting.status))}
        </span>
      </div>
      <p className="meeting-meta">
        {dateTime(meeting.startedAt, locale)} · {duration(meeting.durationMs, locale)}
        {statusNote(meeting, locale, t)}
      </p>
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
              {Object.values(describeJobError(job, locale)).join(' ')}
            </p>
          )}
        </div>
      ))}
      {meeting.jobs
        .filter((job) => job.state === 'failed')
        .map((job) => {
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
          {meeting.segments.length === 0 && <p>{t('meeting.noTranscript')}</p>}
          {canTranscribe && (
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
          <section aria-labelledby="minutes-title" data-testid="minutes">
            <h2 id="minutes-title">{t('meeting.minutes')}</h2>
            {!minutes && <p>{t('meeting.noMinutes')}</p>}
            {minutes && editingMinutes && (
              <MinutesEditor
                meetingId={meeting.id}
                minutes={minutes}
                onSaved={() => {
                  setEditing(false);
                  load();
                }}
                onCancel={() => setEditing(false)}
                onError={setError}
              />
            )}
            {minutes && !editingMinutes && (
              <>
                <h3 translate="no">{minutes.title}</h3>
                <p translate="no">{minutes.overview}</p>
                <h3>{t('minutes.decisions')}</h3>
                {minutes.decisions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
                <ul data-testid="decisions">
                  {minutes.decisions.map((item, index) => (
                    <li key={index}>
                      <span translate="no">{item.text}</span> {segmentLinks(item.segmentIds)}
                    </li>
                  ))}
                </ul>
                <h3>{t('minutes.actions')}</h3>
                {minutes.actionItems.length === 0 && <p className="hint">{t('minutes.none')}</p>}
                <ul data-testid="actions">
                  {minutes.actionItems.map((item, index) => (
                    <li key={index}>
                      <strong translate="no">{item.owner}</strong>{' '}
                      <span translate="no">{item.task}</span>
                      {item.due && <span translate="no"> ({item.due})</span>}{' '}
                      {segmentLinks(item.segmentIds)}
                    </li>
                  ))}
                </ul>
                <h3>{t('minutes.questions')}</h3>
                {minutes.openQuestions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
                <ul>
                  {minutes.openQuestions.map((text, index) => (
                    <li key={index} translate="no">
                      {text}
                    </li>
                  ))}
                </ul>
                <h3>{t('minutes.interventions')}</h3>
                {minutes.interventions.length === 0 && <p className="hint">{t('minutes.none')}</p>}
                <ul>
                  {minutes.interventions.map((item, index) => (
                    <li key={index}>
                      <strong translate="no">{item.speaker}</strong>
                      {t('common.colon')} <span translate="no">{item.summary}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {minutes && !locked && !editingMinutes && (
              <button type="button" data-testid="minutes-edit" onClick={() => setEditing(true)}>
                {t('minutesEdit.open')}
              </button>
            )}
            {!editingMinutes && (
              <div className="inline">
                <label>
                  {t('meeting.template')}
                  <select value={template} onChange={(event) => setTemplate(event.target.value)}>
                    {templates.map((id) => (
                      <option key={id} value={id}>
                        {templateName(id, t)}
                      </option>
                    ))}
                  </select>
                </label>
                <button
                  type="button"
                  disabled={!template || meeting.segments.length === 0 || locked}
                  onClick={() =>
                    void api
                      .call('minutes.regenerate', { meetingId: meeting.id, template })
                      .then(load, setError)
                  }
                >
                  {t('meeting.regenerate')}
                </button>
              </div>
            )}
          </section>

          <ApprovalPanel meeting={meeting} onChanged={load} onError={setError} />

          <SpeakersPanel meeting={meeting} onChanged={load} onError={setError} />

          <section aria-labelledby="export-title">
            <h2 id="export-title">{t('meeting.export')}</h2>
            <div className="actions">
              <button type="button" data-export="docx" onClick={() => void download('docx')}>
                {t('export.docx')}
              </button>
              <button type="button" data-export="pdf" onClick={() => void download('pdf')}>
                {t('export.pdf')}
              </button>
              <button type="button" data-export="md" onClick={() => void download('md')}>
                {t('export.md')}
              </button>
              <button type="button" data-export="srt" onClick={() => void download('srt')}>
                {t('export.srt')}
              </button>
              <button type="button" data-export="vtt" onClick={() => void download('vtt')}>
                {t('export.vtt')}
              </button>
            </div>
          </section>

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
