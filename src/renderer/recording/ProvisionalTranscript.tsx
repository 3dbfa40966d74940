import { useEffect, useState } from 'react';
import type { Speaker } from '../../shared/meetings.js';
import type { MeetingSegment } from '../../shared/transcript.js';
import { useApi } from '../api/context.js';
import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';
import { isLiveLine, mergeLiveLines } from './live-lines.js';
import { useRecordingHandover } from './RecordingSession.js';

/**
 * The lines a meeting page shows before its transcript is stored (the walk's
 * finding 7): the live lines a recording left, then the final pass's lines
 * window by window as they complete (after a recording or during an import's
 * transcription).
 */
export function useProvisionalLines(meetingId: string): MeetingSegment[] {
  const api = useApi();
  const { linesOf } = useRecordingHandover();
  const [lines, setLines] = useState<MeetingSegment[]>(() => linesOf(meetingId));
  useEffect(
    () =>
      api.on('live.segments', (event) => {
        if (event.meetingId !== meetingId) return;
        setLines((current) => mergeLiveLines(current, event.segments, event.replaces));
      }),
    [api, meetingId],
  );
  return lines;
}

/** Said as provisional: live lines in grey, the whole list replaced once the transcript is stored. */
export function ProvisionalTranscript(props: { lines: MeetingSegment[]; speakers: Speaker[] }) {
  const { t } = useI18n();
  const name = (id: string | undefined) =>
    props.speakers.find((speaker) => speaker.id === id)?.name ?? '';
  return (
    <div className="provisional" data-testid="provisional-transcript">
      <p className="hint" data-testid="provisional-note">
        {t('meeting.provisionalNote')}
        {props.lines.some(isLiveLine) && <> {t('meeting.provisionalLive')}</>}
      </p>
      <ol className="live" aria-live="polite">
        {props.lines.map((line) => (
          <li key={line.id} className={isLiveLine(line) ? 'draft' : undefined}>
            <time>{clock(line.startMs)}</time>{' '}
            <span className="who" translate="no">
              {name(line.speakerId)}
            </span>{' '}
            <span className="text" translate="no">
              {line.text}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
