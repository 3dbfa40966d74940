import type { JobHandler } from '../meetings/jobs.js';
import { JobNotReady } from '../meetings/jobs.js';
import type { OpenVault } from '../meetings/index.js';
import { indexableMeeting, loadIndex, saveIndex } from '../search/store.js';
import { detectLanguage } from '../search/text.js';
import { GreffierError } from '../errors.js';
import type { Minutes, MinutesTemplate } from '../../shared/minutes.js';
import type { ModelHost } from './host.js';
import { summarizeTranscript } from './minutes.js';
import { loadTemplate } from './prompts.js';
import type { ModelRef } from './protocol.js';

/**
 * A stored meeting's minutes: read its transcript from the vault, write the
 * minutes back (encrypted with the meeting's key) and make them searchable.
 * The CLI's `summarize` and the pipeline's summarize job both come here.
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
): Promise<{ minutes: Minutes; segmentTimes: Map<string, number> }> {
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
  const minutes = await summarizeTranscript(
    {
      host: options.host,
      model: options.model,
      meetingId,
      meetingTitle: meeting.title,
      language,
      template: options.template ?? loadTemplate('general'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onChunk ? { onChunk: options.onChunk } : {}),
    },
    indexable.segments,
  );
  const updated = await open.meetings.setSummary(meetingId, minutes);
  // The minutes become searchable at once.
  const index = await loadIndex(open);
  index.addMeeting({ ...indexable, minutes }, updated.updatedAt);
  await saveIndex(open, index);
  return { minutes, segmentTimes: new Map(indexable.segments.map((s) => [s.id, s.startMs])) };
}

/**
 * The pipeline's summarize job: the model from the job's params, else the
 * vault's default language model; the template from the params, else general.
 */
export function summarizeJobHandler(
  host: ModelHost,
  defaults: { threads?: number } = {},
): JobHandler {
  return async ({ job, meetings, signal, progress }) => {
    const settings = meetings.vault.getSettings();
    const installed = settings.models.llm?.find((m) => m.default) ?? settings.models.llm?.[0];
    const path = (job.params.model as string | undefined) ?? installed?.path;
    if (!path) {
      throw new JobNotReady(
        'no-llm-model',
        'no language model to write minutes with',
        'install one with "greffier models add F --kind llm"',
      );
    }
    const template = loadTemplate((job.params.template as string | undefined) ?? 'general');
    const meeting = meetings.getMeeting(job.meetingId);
    await summarizeMeeting({ vault: meetings.vault, meetings }, meeting.id, {
      host,
      model: { path, threads: defaults.threads ?? 2 },
      template,
      ...(signal ? { signal } : {}),
      onChunk: () => progress(0.5),
    });
    progress(1);
  };
}
