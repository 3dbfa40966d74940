import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import { useApi } from '../api/context.js';
import { base64ToBytes, clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

/** The first clip is short so playback starts at once; the next ones are longer. */
const FIRST_CLIP_MS = 15_000;
const NEXT_CLIP_MS = 120_000;
/** The next clip is asked for when this much of the current one is left. */
const PREFETCH_MS = 10_000;

interface Clip {
  url: string;
  fromMs: number;
  toMs: number;
}

export interface PlayerHandle {
  /** Plays the meeting from this moment (meeting time), loading its audio if needed. */
  playFrom(ms: number): void;
}

/**
 * The meeting's audio, in meeting time. The service hands out WAV clips of a
 * range (`meetings.audio`, decrypted per request); the player keeps the clip's
 * start as an offset, asks for the next clip before this one ends and chains
 * them, so the clock, the slider and the highlighted line all read meeting time.
 */
export const MeetingPlayer = forwardRef<
  PlayerHandle,
  {
    meetingId: string;
    durationMs: number;
    onTime(ms: number, playing: boolean): void;
    onError(error: unknown): void;
    /** Where « Lecture » starts: a citation's moment when one opened the meeting. */
    startMs?: number | undefined;
  }
>(function MeetingPlayer({ meetingId, durationMs, onTime, onError, startMs }, ref) {
  const api = useApi();
  const { t } = useI18n();
  const audio = useRef<HTMLAudioElement>(null);
  const clip = useRef<Clip | undefined>(undefined);
  const next = useRef<Promise<Clip | undefined> | undefined>(undefined);
  const generation = useRef(0);
  const [nowMs, setNowMs] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [loading, setLoading] = useState(false);

  const fetchClip = useCallback(
    async (fromMs: number, lengthMs: number): Promise<Clip | undefined> => {
      const toMs = Math.min(fromMs + lengthMs, durationMs);
      if (toMs - fromMs < 50) return undefined;
      const { wavBase64 } = await api.call('meetings.audio', { id: meetingId, fromMs, toMs });
      const url = URL.createObjectURL(new Blob([base64ToBytes(wavBase64)], { type: 'audio/wav' }));
      return { url, fromMs, toMs };
    },
    [api, meetingId, durationMs],
  );

  /** Puts a clip in the element and starts it at a meeting time inside it. */
  const start = useCallback(
    async (value: Clip, atMs: number, play: boolean) => {
      const element = audio.current;
      if (!element) return;
      if (clip.current && clip.current.url !== value.url) URL.revokeObjectURL(clip.current.url);
      clip.current = value;
      next.current = undefined;
      element.src = value.url;
      element.currentTime = Math.max(0, (atMs - value.fromMs) / 1000);
      setNowMs(atMs);
      onTime(atMs, play);
      if (!play) return;
      try {
        await element.play();
      } catch (caught) {
        // A browser that refuses to start sound without a click leaves the Play button to press.
        if (
          (caught as Error).name !== 'NotAllowedError' &&
          (caught as Error).name !== 'AbortError'
        ) {
          onError(caught);
        }
      }
    },
    [onTime, onError],
  );

  const playFrom = useCallback(
    (ms: number, play = true) => {
      const atMs = Math.max(0, Math.min(ms, durationMs));
      const current = clip.current;
      const element = audio.current;
      if (current && element && atMs >= current.fromMs && atMs < current.toMs - 250) {
        element.currentTime = (atMs - current.fromMs) / 1000;
        setNowMs(atMs);
        onTime(atMs, play || !element.paused);
        if (play) void element.play().catch(() => undefined);
        return;
      }
      const mine = ++generation.current;
      setLoading(true);
      fetchClip(atMs, FIRST_CLIP_MS)
        .then((value) => {
          if (mine !== generation.current || !value) {
            if (value) URL.revokeObjectURL(value.url);
            return;
          }
          return start(value, atMs, play);
        })
        .catch(onError)
        .finally(() => {
          if (mine === generation.current) setLoading(false);
        });
    },
    [durationMs, fetchClip, start, onTime, onError],
  );

  useImperativeHandle(ref, () => ({ playFrom: (ms: number) => playFrom(ms, true) }), [playFrom]);

  // A citation's moment: the clock and slider go there, and « Lecture » plays from
  // there (it stayed at 0:00 — French walk, finding 6). Audio already playing jumps.
  useEffect(() => {
    if (startMs === undefined) return;
    const element = audio.current;
    if (element && clip.current && !element.paused) return playFrom(startMs, true);
    const atMs = Math.max(0, Math.min(startMs, durationMs));
    generation.current++;
    if (clip.current) URL.revokeObjectURL(clip.current.url);
    clip.current = undefined;
    next.current = undefined;
    setNowMs(atMs);
    onTime(atMs, false);
    // Only a new moment moves the player, not its callbacks changing.
  }, [startMs]);

  useEffect(
    () => () => {
      generation.current++;
      if (clip.current) URL.revokeObjectURL(clip.current.url);
      void next.current?.then((value) => value && URL.revokeObjectURL(value.url));
    },
    [],
  );

  function timeUpdate() {
    const element = audio.current;
    const current = clip.current;
    if (!element || !current) return;
    const ms = current.fromMs + element.currentTime * 1000;
    setNowMs(ms);
    onTime(ms, !element.paused);
    if (!next.current && current.toMs < durationMs && current.toMs - ms < PREFETCH_MS) {
      next.current = fetchClip(current.toMs, NEXT_CLIP_MS).catch((caught: unknown) => {
        onError(caught);
        return undefined;
      });
    }
  }

  function ended() {
    const current = clip.current;
    if (!current || current.toMs >= durationMs) {
      setPlaying(false);
      onTime(durationMs, false);
      return;
    }
    const mine = generation.current;
    const pending = next.current ?? fetchClip(current.toMs, NEXT_CLIP_MS);
    setLoading(true);
    pending
      .then((value) => {
        if (mine !== generation.current || !value) return;
        return start(value, value.fromMs, true);
      })
      .catch(onError)
      .finally(() => setLoading(false));
  }

  function toggle() {
    const element = audio.current;
    if (!element || !clip.current) return playFrom(nowMs, true);
    if (element.paused) void element.play().catch(onError);
    else element.pause();
  }

  return (
    <div
      className="player"
      role="group"
      aria-label={t('meeting.player')}
      data-testid="player"
      data-now-ms={Math.round(nowMs)}
    >
      <audio
        ref={audio}
        data-testid="player-audio"
        preload="auto"
        onTimeUpdate={timeUpdate}
        onPlay={() => setPlaying(true)}
        onPause={() => {
          setPlaying(false);
          onTime(nowMs, false);
        }}
        onEnded={ended}
      />
      <button type="button" onClick={toggle} data-testid="player-toggle" disabled={durationMs <= 0}>
        {playing ? t('meeting.pause') : t('meeting.play')}
      </button>
      <input
        type="range"
        min={0}
        max={Math.max(1, Math.round(durationMs))}
        step={1000}
        value={Math.round(nowMs)}
        aria-label={t('meeting.position')}
        aria-valuetext={t('meeting.playerTime', { now: clock(nowMs), total: clock(durationMs) })}
        onChange={(event) => playFrom(Number(event.target.value), playing)}
        disabled={durationMs <= 0}
      />
      <time data-testid="player-time">
        {t('meeting.playerTime', { now: clock(nowMs), total: clock(durationMs) })}
      </time>
      {loading && (
        <span role="status" className="hint">
          {t('meeting.loadingAudio')}
        </span>
      )}
    </div>
  );
});
