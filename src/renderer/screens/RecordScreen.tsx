import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { LanguageChoice, MeetingSegment } from '../../shared/transcript.js';
import type { Speaker } from '../../shared/meetings.js';
import type { MeetingView } from '../../shared/api.js';
import { useApi } from '../api/context.js';
import type { Route } from '../App.js';
import { SeatChannels, seatPlan, type SeatSetup } from './SeatChannels.js';
import { listMicrophones, pcmToBytes, startCapture, type Capture } from '../audio/capture.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { LanguageField } from '../components/LanguageField.js';
import { bytesToBase64 } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { RecordingsLeftOpen, type ActiveRecording } from './RecordingsLeftOpen.js';
import { MARKER_KEY, RecordingPanel } from './RecordingPanel.js';

export { MARKER_KEY } from './RecordingPanel.js';

interface Session {
  meetingId: string;
  capture: Capture;
}

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
  const [title, setTitle] = useState('');
  const [language, setLanguage] = useState<LanguageChoice>('fr');
  const [microphones, setMicrophones] = useState<MediaDeviceInfo[]>([]);
  const [deviceId, setDeviceId] = useState('');
  const [roster, setRoster] = useState<string[]>([]);
  const [newSpeaker, setNewSpeaker] = useState('');
  const [speakers, setSpeakers] = useState<Speaker[]>([]);
  const [session, setSession] = useState<Session | undefined>();
  const [paused, setPaused] = useState(false);
  const [elapsedMs, setElapsedMs] = useState(0);
  const [level, setLevel] = useState(0);
  const [lines, setLines] = useState<MeetingSegment[]>([]);
  const [currentSpeaker, setCurrentSpeaker] = useState<string | undefined>();
  const [markers, setMarkers] = useState<number[]>([]);
  const [error, setError] = useState<unknown>();
  const [stopping, setStopping] = useState(false);
  const [seats, setSeats] = useState<SeatSetup>({ channels: 1, names: [] });
  const [liveSpeaker, setLiveSpeaker] = useState<string | undefined>();
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const seq = useRef(0);
  const elapsedRef = useRef(0);
  // What the clerk must know before starting: no speech model yet, recordings left
  // open by a reload, recordings recovered after an interruption.
  const [hasAsrModel, setHasAsrModel] = useState(true);
  const [active, setActive] = useState<ActiveRecording[]>([]);
  const [recovered, setRecovered] = useState<MeetingView[]>([]);

  useEffect(() => {
    if (session) return;
    api
      .call('app.status', {})
      .then((status) => setHasAsrModel(status.hasAsrModel))
      .catch(() => undefined);
    api.call('recording.active', {}).then(setActive, () => undefined);
    api.call('meetings.list', { status: 'recovered' }).then(setRecovered, () => undefined);
  }, [api, session]);

  // Resume asked from the meetings list: once, as soon as the open recording is known.
  const resumed = useRef(false);
  useEffect(() => {
    const recording = active.find((each) => each.meetingId === resumeId);
    if (!recording || resumed.current || session) return;
    resumed.current = true;
    void resume(recording);
  });

  // Leaving the screen stops the microphone; the recording stays open, with its audio kept,
  // and the meetings list offers to resume or finish it (a capture nobody sees is never left on).
  const live = useRef<Session | undefined>(undefined);
  live.current = session;
  useEffect(
    () => () => {
      const left = live.current;
      if (!left) return;
      delete document.documentElement.dataset.recording;
      void left.capture.stop();
    },
    [],
  );

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

  // The clock follows the audio actually captured, so pause stops it.
  useEffect(() => {
    if (!session || paused) return;
    const started = performance.now() - elapsedRef.current;
    const timer = setInterval(() => {
      elapsedRef.current = performance.now() - started;
      setElapsedMs(elapsedRef.current);
    }, 250);
    return () => clearInterval(timer);
  }, [session, paused]);

  useEffect(() => {
    if (!session) return;
    return api.on('live.segments', (event) => {
      if (event.meetingId === session.meetingId) {
        // Full-quality lines replace the live lines of their stretch, in time order.
        const { replaces } = event;
        setLines((current) =>
          replaces
            ? [
                ...current.filter((line) => {
                  const middle = (line.startMs + line.endMs) / 2;
                  return middle < replaces.fromMs || middle >= replaces.toMs;
                }),
                ...event.segments,
              ].sort((a, b) => a.startMs - b.startMs)
            : [...current, ...event.segments],
        );
      }
    });
  }, [api, session]);

  useEffect(() => {
    if (!session) return;
    return api.on('live.speaker', (event) => {
      if (event.meetingId === session.meetingId) setLiveSpeaker(event.name);
    });
  }, [api, session]);

  useEffect(() => {
    if (!session) return;
    // Number keys 1–9 say who speaks now; M drops a marker. Not while typing in a field.
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      if (/^[1-9]$/.test(event.key)) {
        const speaker = speakers[Number(event.key) - 1];
        if (speaker) {
          event.preventDefault();
          markSpeaker(speaker);
        }
      } else if (event.key.toUpperCase() === MARKER_KEY) {
        event.preventDefault();
        addMarker();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  function markSpeaker(speaker: Speaker) {
    if (!session) return;
    setCurrentSpeaker(speaker.id);
    void api
      .call('recording.speakerTurn', {
        meetingId: session.meetingId,
        speakerId: speaker.id,
        atMs: Math.round(elapsedRef.current),
      })
      .catch(setError);
  }

  function addMarker() {
    if (!session) return;
    const atMs = Math.round(elapsedRef.current);
    setMarkers((current) => [...current, atMs]);
    void api
      .call('recording.marker', { meetingId: session.meetingId, atMs, label: '' })
      .catch(setError);
  }

  /** Captures the microphone into a meeting, from a chunk number and a time (0 for a new one). */
  async function capture(meetingId: string, fromSeq: number, fromMs: number) {
    const detail = await api.call('meetings.get', { id: meetingId });
    setSpeakers(detail.speakers);
    seq.current = fromSeq;
    elapsedRef.current = fromMs;
    setElapsedMs(fromMs);
    const capture = await startCapture({
      ...(deviceId ? { deviceId } : {}),
      ...(seats.channels > 1 ? { channels: seats.channels } : {}),
      onLevel: (value) => setLevel(value.peak),
      onChunk: (pcm, levels) => {
        const chunkSeq = seq.current++;
        const payload = bytesToBase64(pcmToBytes(pcm));
        const perChannel = levels ? { levels: bytesToBase64(levels) } : {};
        // One at a time and in order: the vault journal is append-only.
        queue.current = queue.current.then(() =>
          api
            .call('recording.append', { meetingId, seq: chunkSeq, pcm: payload, ...perChannel })
            .catch(setError),
        );
      },
    });
    setSession({ meetingId, capture });
    document.documentElement.dataset.recording = 'true';
  }

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
      await capture(meetingId, 0, 0);
    } catch (caught) {
      setError(caught);
    }
  }

  /** A recording left open by a reload: the microphone picks up where the audio stopped. */
  async function resume(recording: ActiveRecording) {
    setError(undefined);
    try {
      await capture(recording.meetingId, recording.nextSeq, recording.durationMs);
    } catch (caught) {
      setError(caught);
    }
  }

  async function stop() {
    if (!session) return;
    setStopping(true);
    try {
      await session.capture.stop();
      await queue.current;
      await api.call('recording.stop', { meetingId: session.meetingId });
      delete document.documentElement.dataset.recording;
      open({ name: 'meeting', id: session.meetingId });
    } catch (caught) {
      setError(caught);
      setStopping(false);
    }
  }

  function togglePause() {
    if (!session) return;
    if (paused) session.capture.resume();
    else session.capture.pause();
    setPaused(!paused);
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
    try {
      const speaker = await api.call('recording.addSpeaker', {
        meetingId: session.meetingId,
        name,
      });
      setSpeakers((current) => [...current, speaker]);
    } catch (caught) {
      setError(caught);
    }
  }

  const speakerName = (id: string | undefined) => speakers.find((s) => s.id === id)?.name ?? '';
  const names = session ? speakers.map((s) => s.name) : roster;

  return (
    <section data-screen="record" aria-labelledby="record-title">
      <h1 id="record-title">{t('record.title')}</h1>
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
            const active = speaker !== undefined && speaker.id === currentSpeaker;
            return (
              <li key={`${name}-${index}`}>
                <button
                  type="button"
                  disabled={!session}
                  aria-pressed={active}
                  onClick={() => speaker && markSpeaker(speaker)}
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
          elapsedMs={elapsedMs}
          paused={paused}
          level={level}
          liveSpeaker={liveSpeaker}
          markers={markers}
          lines={lines}
          speakerName={speakerName}
          stopping={stopping}
          onTogglePause={togglePause}
          onMarker={addMarker}
          onStop={() => void stop()}
        />
      )}
      <ErrorNote error={error} />
    </section>
  );
}
