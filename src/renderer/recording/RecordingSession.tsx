import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { Speaker } from '../../shared/meetings.js';
import type { MeetingSegment } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import { useUnloadGuard } from '../components/LeaveGuard.js';
import { pcmToBytes, startCapture, type Capture } from '../audio/capture.js';
import { bytesToBase64 } from '../format.js';
import { mergeLiveLines } from './live-lines.js';

/** What the clerk sees of the recording under way, whatever the screen. */
export interface RecordingState {
  meetingId: string;
  title: string;
  paused: boolean;
  /** Audio captured so far (pause stops the clock), ms. */
  elapsedMs: number;
  level: number;
  lines: MeetingSegment[];
  speakers: Speaker[];
  currentSpeaker: string | undefined;
  liveSpeaker: string | undefined;
  markers: number[];
  stopping: boolean;
}

export interface RecordingControls {
  /** The recording under way, if any. */
  state: RecordingState | undefined;
  /** What went wrong last (a chunk the vault refused, a stop that failed). */
  error: unknown;
  /** Captures the microphone into a meeting, from a chunk number and a time (0 for a new one). */
  begin(input: {
    meetingId: string;
    fromSeq: number;
    fromMs: number;
    deviceId?: string;
    channels?: number;
  }): Promise<void>;
  /** Stops the microphone and the recording; resolves with the meeting stopped. */
  stop(): Promise<string | undefined>;
  togglePause(): void;
  addMarker(): void;
  markSpeaker(speaker: Speaker): void;
  addSpeaker(name: string): Promise<void>;
  setError(error: unknown): void;
}

/** Changes only when a recording starts or stops: screens that read it do not redraw each tick. */
interface RecordingHandover {
  /** The meeting whose microphone this window captures. */
  capturingId: string | undefined;
  /** The lines shown so far for a meeting being recorded or just stopped (none for others). */
  linesOf(meetingId: string): MeetingSegment[];
}

const RecordingContext = createContext<RecordingControls | undefined>(undefined);
const HandoverContext = createContext<RecordingHandover>({
  capturingId: undefined,
  linesOf: () => [],
});

interface Session {
  meetingId: string;
  capture: Capture;
}

/**
 * The recording session lives above the screens (the walk's finding 1): the
 * capture, the live transcript and the recording state belong to the app
 * shell, so the clerk can go to Questions while an official asks one and come
 * back to a recording that never stopped. It ends with Stop, or when the
 * vault locks (the shell, and this with it, is unmounted: the microphone is
 * released). While it runs, reloading or closing the window asks first.
 */
export function RecordingProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [session, setSession] = useState<Session | undefined>();
  const [title, setTitle] = useState('');
  const [paused, setPaused] = useState(false);
  const [elapsedMs, setElapsedMs] = useState(0);
  const [level, setLevel] = useState(0);
  const [lines, setLines] = useState<MeetingSegment[]>([]);
  const [speakers, setSpeakers] = useState<Speaker[]>([]);
  const [currentSpeaker, setCurrentSpeaker] = useState<string | undefined>();
  const [liveSpeaker, setLiveSpeaker] = useState<string | undefined>();
  const [markers, setMarkers] = useState<number[]>([]);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<unknown>();
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const seq = useRef(0);
  const elapsedRef = useRef(0);
  const pausedRef = useRef(false);
  // The meeting whose lines the meeting page takes over after stop (final windows still land).
  const [stoppedId, setStoppedId] = useState<string | undefined>();
  const linesRef = useRef<{ meetingId: string | undefined; lines: MeetingSegment[] }>({
    meetingId: undefined,
    lines: [],
  });
  const followed = session?.meetingId ?? stoppedId;
  linesRef.current = { meetingId: followed, lines };

  // Locking the vault unmounts the shell: the microphone is released, the audio kept.
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

  // Reloading or closing the window would stop the microphone: it asks first (in Electron,
  // main says the close was refused and the page asks in its own words: LeaveGuard).
  useUnloadGuard(session !== undefined);

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
    if (!followed) return;
    const offLines = api.on('live.segments', (event) => {
      if (event.meetingId === followed) {
        setLines((current) => mergeLiveLines(current, event.segments, event.replaces));
      }
    });
    const offSpeaker = api.on('live.speaker', (event) => {
      if (event.meetingId === followed) setLiveSpeaker(event.name);
    });
    return () => {
      offLines();
      offSpeaker();
    };
  }, [api, followed]);

  const begin = useCallback<RecordingControls['begin']>(
    async ({ meetingId, fromSeq, fromMs, deviceId, channels }) => {
      if (live.current) return;
      setError(undefined);
      const detail = await api.call('meetings.get', { id: meetingId });
      seq.current = fromSeq;
      elapsedRef.current = fromMs;
      const capture = await startCapture({
        ...(deviceId ? { deviceId } : {}),
        ...(channels && channels > 1 ? { channels } : {}),
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
      setTitle(detail.title);
      setSpeakers(detail.speakers);
      setElapsedMs(fromMs);
      pausedRef.current = false;
      setPaused(false);
      setLines([]);
      setMarkers([]);
      setCurrentSpeaker(undefined);
      setLiveSpeaker(undefined);
      setStopping(false);
      setStoppedId(undefined);
      setSession({ meetingId, capture });
      document.documentElement.dataset.recording = 'true';
    },
    [api],
  );

  const stop = useCallback(async () => {
    const current = live.current;
    if (!current) return undefined;
    setStopping(true);
    try {
      await current.capture.stop();
      await queue.current;
      await api.call('recording.stop', { meetingId: current.meetingId });
      delete document.documentElement.dataset.recording;
      // Its lines stay, for the meeting page, until the final ones are stored.
      setStoppedId(current.meetingId);
      setSession(undefined);
      setStopping(false);
      return current.meetingId;
    } catch (caught) {
      setError(caught);
      setStopping(false);
      return undefined;
    }
  }, [api]);

  const togglePause = useCallback(() => {
    const current = live.current;
    if (!current) return;
    if (pausedRef.current) current.capture.resume();
    else current.capture.pause();
    pausedRef.current = !pausedRef.current;
    setPaused(pausedRef.current);
  }, []);

  const addMarker = useCallback(() => {
    const current = live.current;
    if (!current) return;
    const atMs = Math.round(elapsedRef.current);
    setMarkers((list) => [...list, atMs]);
    void api
      .call('recording.marker', { meetingId: current.meetingId, atMs, label: '' })
      .catch(setError);
  }, [api]);

  const markSpeaker = useCallback(
    (speaker: Speaker) => {
      const current = live.current;
      if (!current) return;
      setCurrentSpeaker(speaker.id);
      void api
        .call('recording.speakerTurn', {
          meetingId: current.meetingId,
          speakerId: speaker.id,
          atMs: Math.round(elapsedRef.current),
        })
        .catch(setError);
    },
    [api],
  );

  const addSpeaker = useCallback(
    async (name: string) => {
      const current = live.current;
      if (!current) return;
      try {
        const speaker = await api.call('recording.addSpeaker', {
          meetingId: current.meetingId,
          name,
        });
        setSpeakers((list) => [...list, speaker]);
      } catch (caught) {
        setError(caught);
      }
    },
    [api],
  );

  const state: RecordingState | undefined = session && {
    meetingId: session.meetingId,
    title,
    paused,
    elapsedMs,
    level,
    lines,
    speakers,
    currentSpeaker,
    liveSpeaker,
    markers,
    stopping,
  };
  const controls: RecordingControls = {
    state,
    error,
    begin,
    stop,
    togglePause,
    addMarker,
    markSpeaker,
    addSpeaker,
    setError,
  };

  const capturingId = session?.meetingId;
  const handover = useMemo<RecordingHandover>(
    () => ({
      capturingId,
      linesOf: (meetingId) =>
        linesRef.current.meetingId === meetingId ? linesRef.current.lines : [],
    }),
    [capturingId],
  );

  return (
    <RecordingContext.Provider value={controls}>
      <HandoverContext.Provider value={handover}>{children}</HandoverContext.Provider>
    </RecordingContext.Provider>
  );
}

export function useRecording(): RecordingControls {
  const controls = useContext(RecordingContext);
  if (!controls) throw new Error('useRecording outside RecordingProvider');
  return controls;
}

/** The meeting being captured and the lines it left: for the screens that are not Record. */
export function useRecordingHandover(): RecordingHandover {
  return useContext(HandoverContext);
}
