import type { OpenVault } from '../meetings/index.js';
import { refuseIfLocked } from '../meetings/locks.js';
import { MinutesRecord } from '../record/approval.js';
import { keepCurrentMinutes } from '../record/drafts.js';
import { readNotes, type Marker } from '../meetings/notes.js';
import { indexableMeeting } from '../search/store.js';
import { detectLanguage } from '../text/language.js';
import { GreffierError } from '../errors.js';
import type { Minutes, MinutesTemplate } from '../../shared/minutes.js';
import type { ModelHost } from '../llm/host.js';
import { LIVE_MINUTES_BLOB, loadLiveMinutes, reuseLiveNotes } from '../llm/live-minutes.js';
import { summarizeTranscript } from '../llm/minutes.js';
import { loadTemplate } from '../llm/prompts.js';
import type { ModelRef } from '../llm/protocol.js';

/**
 * A stored meeting's minutes: read its transcript from the vault and write
 * the minutes back (encrypted with the meeting's key). The pipeline's index
 * job makes them searchable afterwards. The CLI's `summarize` and the
 * pipeline's summarize job (app and `jobs --resume`) all come here. Chunk notes the app wrote while the meeting was recorded are reused
 * when the final transcript still matches them (see reuseLiveNotes).
 */
export async function summarizeMeeting(
  open: Pick<OpenVault, 'vault' | 'meetings'>,
  meetingId: string,
  options: {
    host: ModelHost;
    model: ModelRef;
    template?: MinutesTemplate;
    signal?: AbortSignal;
    onChunk?: (chunks: number) => void;
  },
): Promise<{
  minutes: Minutes;
  segmentTimes: Map<string, number>;
  /** Chunks whose notes were written during the recording and reused here. */
  reusedChunks: number;
}> {
  const meeting = open.meetings.getMeeting(meetingId);
  // Said before the model runs: submitted or approved minutes are not rewritten.
  refuseIfLocked(meeting);
  if (meeting.segmentCount === 0) {
    throw new GreffierError('minutes-empty', `meeting ${meetingId} has no transcript yet`, {
      hint: 'let its transcription finish first ("greffier jobs --resume")',
    });
  }
  const indexable = await indexableMeeting(open, meeting);
  const language =
    meeting.language === 'fr' || meeting.language === 'en'
      ? meeting.language
      : detectLanguage(indexable.segments.map((s) => s.text).join(' '));
  const template = options.template ?? loadTemplate('general');
  const live = await loadLiveMinutes(open, meetingId);
  const resume = live
    ? reuseLiveNotes(live, indexable.segments, { meetingId, language, template: template.id })
    : undefined;
  const minutes = await summarizeTranscript(
    {
      host: options.host,
      model: options.model,
      meetingId,
      meetingTitle: meeting.title,
      language,
      template,
      ...(resume ? { resume } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onChunk ? { onChunk: options.onChunk } : {}),
    },
    withMarkers(indexable.segments, (await readNotes(open.meetings, meetingId)).markers, language),
  );
  // The text written over stays in the history (a hand edit the record lacks is kept first).
  await keepCurrentMinutes(open, meetingId);
  await open.meetings.setSummary(meetingId, minutes);
  await new MinutesRecord(open).generated(meetingId, template.id, minutes);
  // The notes served their purpose: a regeneration (another template) starts afresh.
  if (live) await open.vault.deleteMeetingBlob(meetingId, LIVE_MINUTES_BLOB);
  return {
    minutes,
    segmentTimes: new Map(indexable.segments.map((s) => [s.id, s.startMs])),
    reusedChunks: resume?.chunks ?? 0,
  };
}

/**
 * The clerk's markers in the model's view of the transcript: the line under
 * each marker says so (« [Repère : vote] »), so the minutes can pick up what
 * the clerk flagged during the session. Only the text given to the model
 * changes; the stored transcript and the segment ids do not.
 */
export function withMarkers<T extends { startMs: number; endMs: number; text: string }>(
  segments: T[],
  markers: Marker[],
  language: 'fr' | 'en',
): T[] {
  if (markers.length === 0) return segments;
  const word = language === 'fr' ? 'Repère' : 'Marker';
  const colon = language === 'fr' ? '\u202f:' : ':';
  const notes = new Map<T, string[]>();
  for (const marker of markers) {
    const segment =
      segments.find((s) => s.startMs <= marker.atMs && marker.atMs < s.endMs) ??
      segments.find((s) => s.startMs >= marker.atMs) ??
      segments[segments.length - 1];
    if (!segment) continue;
    const text = marker.label ? `[${word}${colon} ${marker.label}]` : `[${word}]`;
    notes.set(segment, [...(notes.get(segment) ?? []), text]);
  }
  return segments.map((s) => {
    const added = notes.get(s);
    return added ? { ...s, text: `${added.join(' ')} ${s.text}` } : s;
  });
}
