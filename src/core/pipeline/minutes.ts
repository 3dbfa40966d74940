import type { OpenVault } from '../meetings/index.js';
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
    indexable.segments,
  );
  await open.meetings.setSummary(meetingId, minutes);
  // The notes served their purpose: a regeneration (another template) starts afresh.
  if (live) await open.vault.deleteMeetingBlob(meetingId, LIVE_MINUTES_BLOB);
  return {
    minutes,
    segmentTimes: new Map(indexable.segments.map((s) => [s.id, s.startMs])),
    reusedChunks: resume?.chunks ?? 0,
  };
}
