import { useEffect, useRef } from 'react';
import type { MeetingSegment } from '../../shared/transcript.js';
import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

/** Drops a marker while recording (outside text fields). */
export const MARKER_KEY = 'M';

/**
 * What the clerk sees while a recording runs: the clock of captured audio,
 * who has the floor, the input level, pause / marker / stop, and the live
 * transcript, its newest line kept in view.
 */
export function RecordingPanel(props: {
  elapsedMs: number;
  paused: boolean;
  level: number;
  liveSpeaker: string | undefined;
  markers: number[];
  lines: MeetingSegment[];
  speakerName(id: string | undefined): string;
  stopping: boolean;
  onTogglePause(): void;
  onMarker(): void;
  onStop(): void;
}) {
  const { t } = useI18n();
  const { lines, markers, paused } = props;

  // The newest live line stays in view, unless the clerk is typing somewhere on the page.
  const liveList = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const active = document.activeElement;
    if (active && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName)) return;
    liveList.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [lines]);

  return (
    <div className="recording" data-testid="recording">
      <p className="elapsed" aria-live="off">
        <span className="dot" aria-hidden="true" /> {t('record.elapsed')}{' '}
        <time data-testid="elapsed">{clock(props.elapsedMs)}</time>
        {paused && <strong> · {t('record.paused')}</strong>}
      </p>
      {props.liveSpeaker && (
        <p className="live-speaker" aria-live="polite" data-testid="live-speaker">
          {t('record.liveSpeaker', { name: props.liveSpeaker })}
        </p>
      )}
      {/* Named on screen, not only for screen readers (the walk's finding 22). */}
      <p className="level">
        <span id="level-label" data-testid="level-label">
          {t('record.level')}
        </span>{' '}
        <meter
          aria-labelledby="level-label"
          min={0}
          max={1}
          low={0.1}
          high={0.9}
          value={props.level}
          data-testid="level"
        />
      </p>
      <div className="actions">
        <button type="button" onClick={props.onTogglePause} aria-pressed={paused}>
          {paused ? t('record.resume') : t('record.pause')}
        </button>
        <button type="button" onClick={props.onMarker}>
          {t('record.marker')} <kbd>{MARKER_KEY}</kbd>
        </button>
        <button
          type="button"
          className="danger"
          onClick={props.onStop}
          disabled={props.stopping}
          data-testid="stop-recording"
        >
          {t('record.stop')}
        </button>
      </div>
      {markers.length > 0 && (
        <p>{t('record.markers', { list: markers.map((ms) => clock(ms)).join(', ') })}</p>
      )}
      <h2>{t('record.live')}</h2>
      <ol className="live" aria-live="polite" data-testid="live-transcript" ref={liveList}>
        {lines.map((line) => (
          <li key={line.id}>
            <time>{clock(line.startMs)}</time>{' '}
            <span className="who" translate="no">
              {props.speakerName(line.speakerId)}
            </span>{' '}
            <span className="text" translate="no">
              {line.text}
            </span>
          </li>
        ))}
      </ol>
      {lines.length === 0 && <p className="hint">{t('record.waiting')}</p>}
    </div>
  );
}
