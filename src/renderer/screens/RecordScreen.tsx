import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { LanguageChoice } from '../../shared/transcript.js';
import type { MeetingView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { SeatChannels, seatPlan, type SeatSetup } from './SeatChannels.js';
import { listMicrophones } from '../audio/capture.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LanguageField } from '../components/LanguageField.js';
import { useI18n } from '../i18n/i18n.js';
import { RecordingsLeftOpen, type ActiveRecording } from './RecordingsLeftOpen.js';
import { MARKER_KEY, RecordingPanel } from './RecordingPanel.js';
import { useRecording } from '../recording/RecordingSession.js';

export { MARKER_KEY } from './RecordingPanel.js';

export function RecordScreen({
  open,
  resume: resumeId,
}: {
  open(route: Route): void;
  /** A recording left open to resume at once (chosen on the meetings list). */
  resume?: string | undefined;
}) {
  const api = useApi();
  const { t } = useI18n();
  // The recording itself is the shell's (RecordingProvider): leaving this screen does not stop it.
  const recording = useRecording();
  const session = recording.state;
  const [title, setTitle] = useState('');
  const [language, setLanguage] = useState<LanguageChoice>('fr');
  const [microphones, setMicrophones] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState('');
  const [roster, setRoster] = useState<string[]>([]);
  const [newSpeaker, setNewSpeaker] = useState('');
  const [seats, setSeats] = useState<SeatSetup>({ channels: 1, names: [] });
  const { error, setError } = recording;
  // What the clerk must know before starting: no speech model yet, recordings left
  // open by a reload, recordings recovered after an interruption.
  const [hasAsrModel, setHasAsrModel] = useState(true);
  const [active, setActive] = useState<ActiveRecording[]>([]);
  const [recovered, setRecovered] = useState<MeetingView[]>([]);
  const recordingNow = session !== undefined;

  useEffect(() => {
    if (recordingNow) return;
    api
      .call('app.status', {})
      .then((status) => setHasAsrModel(status.hasAsrModel))
      .catch(() => undefined);
    api.call('recording.active', {}).then(setActive, () => undefined);
    api.call('meetings.list', { status: 'recovered' }).then(setRecovered, () => undefined);
  }, [api, recordingNow]);

  // Resume asked from the meetings list: once, as soon as the open recording is known.
  const resumed = useRef(false);
  useEffect(() => {
    const left = active.find((each) => each.meetingId === resumeId);
    if (!left || resumed.current || session) return;
    resumed.current = true;
    void resume(left);
  });

  useEffect(() => {
    listMicrophones()
      .then(setMicrophones)
      .catch(() => setMicrophones([]));
  }, []);

  useEffect(() => {
    api
      .call('settings.get', {})
      .then((settings) => setLanguage(settings.defaultLanguage))
      .catch(() => undefined);
  }, [api]);

  useEffect(() => {
    if (!session) return;
    // Number keys 1–9 say who speaks now; M drops a marker. Not while typing in a field,
    // and only on this screen (other screens have their own keys).
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (/^[1-9]$/.test(event.key)) {
        const speaker = session.speakers[Number(event.key) - 1];
        if (speaker) {
          event.preventDefault();
          recording.markSpeaker(speaker);
        }
      } else if (event.key.toUpperCase() === MARKER_KEY) {
        event.preventDefault();
        recording.addMarker();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const captureOptions = () => ({
    ...(deviceId ? { deviceId } : {}),
    ...(seats.channels > 1 ? { channels: seats.channels } : {}),
  });

  async function start(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    try {
      const { meetingId } = await api.call('recording.start', {
        title: title.trim() || t('record.untitled'),
        language,
        speakers: roster,
        ...(seats.channels > 1 ? { channels: seats.channels, seats: seatPlan(seats) } : {}),
      });
      await recording.begin({ meetingId, fromSeq: 0, fromMs: 0, ...captureOptions() });
    } catch (caught) {
      setError(caught);
    }
  }

  /** A recording left open by a reload: the microphone picks up where the audio stopped. */
  async function resume(left: ActiveRecording) {
    setError(undefined);
    try {
      await recording.begin({
        meetingId: left.meetingId,
        fromSeq: left.nextSeq,
        fromMs: left.durationMs,
        ...captureOptions(),
      });
    } catch (caught) {
      setError(caught);
    }
  }

  async function stop() {
    const stopped = await recording.stop();
    if (stopped) open({ name: 'meeting', id: stopped });
  }

  async function addSpeakerDuring(event: FormEvent) {
    event.preventDefault();
    const name = newSpeaker.trim();
    if (!name) return;
    setNewSpeaker('');
    if (!session) {
      setRoster((current) => (current.length < 9 ? [...current, name] : current));
      return;
    }
    await recording.addSpeaker(name);
  }

  const speakers = session?.speakers ?? [];
  const speakerName = (id: string | undefined) => speakers.find((s) => s.id === id)?.name ?? '';
  const names = session ? speakers.map((s) => s.name) : roster;

  return (
    <section data-screen="record" aria-labelledby="record-title">
      <h1 id="record-title">{t('record.title')}</h1>
      {session && (
        <p className="recording-title">
          {t('record.meetingNow')}{' '}
          <strong translate="no" data-testid="recording-title">
            {session.title}
          </strong>
        </p>
      )}
      {!session && (
        <>
          <RecordingsLeftOpen
            place="record"
            active={active}
            recovered={recovered}
            onResume={(recording) => void resume(recording)}
            open={open}
            onError={setError}
          />
          {!hasAsrModel && (
            <p className="notice" role="status" data-testid="no-asr-warning">
              {t('record.noModelWarning')}
            </p>
          )}
        </>
      )}
      {!session && (
        <form onSubmit={(event) => void start(event)} className="record-setup">
          <label>
            {t('record.meetingTitle')}
            <input
              name="title"
              value={title}
              onChange={(event) => setTitle(event.target.value)}
              placeholder={t('record.untitled')}
            />
          </label>
          <LanguageField label={t('record.language')} value={language} onChange={setLanguage} />
          <label>
            {t('record.microphone')}
            <select value={deviceId} onChange={(event) => setDeviceId(event.target.value)}>
              <option value="">{t('record.defaultMicrophone')}</option>
              {microphones.map((mic, index) => (
                <option key={mic.deviceId || index} value={mic.deviceId}>
                  {mic.label || t('record.microphoneN', { n: index + 1 })}
                </option>
              ))}
            </select>
          </label>
          <SeatChannels deviceId={deviceId} value={seats} onChange={setSeats} onError={setError} />
          <button type="submit" className="primary" data-testid="start-recording">
            {t('record.start')}
          </button>
        </form>
      )}

      <section className="roster" aria-labelledby="roster-title">
        <h2 id="roster-title">{t('record.roster')}</h2>
        <p className="hint">{t('record.rosterHelp')}</p>
        <ol>
          {names.map((name, index) => {
            const speaker = speakers[index];
            const active = speaker !== undefined && speaker.id === session?.currentSpeaker;
            return (
              <li key={`${name}-${index}`}>
                <button
                  type="button"
                  disabled={!session}
                  aria-pressed={active}
                  onClick={() => speaker && recording.markSpeaker(speaker)}
                >
                  <kbd>{index + 1}</kbd> <span translate="no">{name}</span>
                </button>
              </li>
            );
          })}
        </ol>
        <form onSubmit={(event) => void addSpeakerDuring(event)} className="inline">
          <label>
            {t('record.speakerName')}
            <input
              name="speaker"
              value={newSpeaker}
              onChange={(event) => setNewSpeaker(event.target.value)}
            />
          </label>
          <button type="submit">{t('record.addSpeaker')}</button>
        </form>
      </section>

      {session && (
        <RecordingPanel
          elapsedMs={session.elapsedMs}
          paused={session.paused}
          level={session.level}
          liveSpeaker={session.liveSpeaker}
          markers={session.markers}
          lines={session.lines}
          speakerName={speakerName}
          stopping={session.stopping}
          onTogglePause={recording.togglePause}
          onMarker={recording.addMarker}
          onStop={() => void stop()}
        />
      )}
      <ErrorNote error={error} />
    </section>
  );
}
