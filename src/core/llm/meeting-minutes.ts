import type { JobHandler } from '../meetings/jobs.js';
import { JobNotReady } from '../meetings/jobs.js';
import type { OpenVault } from '../meetings/index.js';
import { indexableMeeting, loadIndex, saveIndex } from '../search/store.js';
import { detectLanguage } from '../search/text.js';
import { GreffierError } from '../errors.js';
import type { Minutes, MinutesTemplate } from '../../shared/minutes.js';
import { resolveModel } from '../models/resolver.js';
import type { ModelHost } from './host.js';
import { LIVE_MINUTES_BLOB, loadLiveMinutes, reuseLiveNotes } from './live-minutes.js';
import { summarizeTranscript } from './minutes.js';
import { loadTemplate } from './prompts.js';
import type { ModelRef } from './protocol.js';
import { defaultThreads } from '../threads.js';

/**
 * A stored meeting's minutes: read its transcript from the vault, write the
 * minutes back (encrypted with the meeting's key) and make them searchable.
 * The CLI's `summarize`, the pipeline's summarize job and the app's all come
 * here. Chunk notes the app wrote while the meeting was recorded are reused
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
  const updated = await open.meetings.setSummary(meetingId, minutes);
  // The notes served their purpose: a regeneration (another template) starts afresh.
  if (live) await open.vault.deleteMeetingBlob(meetingId, LIVE_MINUTES_BLOB);
  // The minutes become searchable at once.
  const index = await loadIndex(open);
  index.addMeeting({ ...indexable, minutes }, updated.updatedAt);
  await saveIndex(open, index);
  return {
    minutes,
    segmentTimes: new Map(indexable.segments.map((s) => [s.id, s.startMs])),
    reusedChunks: resume?.chunks ?? 0,
  };
}

/**
 * The pipeline's summarize job: the model from the job's params, else the
 * caller's fallback (development), else the vault's default language model,
 * all chosen and checked by the model resolver; the template from the
 * params, else general.
 */
export function summarizeJobHandler(
  host: ModelHost,
  defaults: {
    threads?: number;
    /** A model used when the vault has none installed (development, tests). */
    fallback?: string;
    /**
     * @deprecated the caller's own choice, kept until the app service calls
     * the resolver itself (pass `fallback` instead).
     */
    model?: () => Promise<string | undefined>;
    env?: NodeJS.ProcessEnv;
  } = {},
): JobHandler {
  return async ({ job, meetings, signal, progress }) => {
    const explicit = job.params.model as string | undefined;
    const path =
      !explicit && defaults.model
        ? await defaults.model()
        : await resolveModel(meetings.vault, 'llm', {
            explicit,
            ...(defaults.fallback ? { fallback: defaults.fallback } : {}),
            ...(defaults.env ? { env: defaults.env } : {}),
            ...(signal ? { signal } : {}),
          });
    if (!path) {
      throw new JobNotReady(
        'no-llm-model',
        'no language model to write minutes with',
        'install one with "greffier models add F --kind llm"',
      );
    }
    const template = loadTemplate((job.params.template as string | undefined) ?? 'general');
    const meeting = meetings.getMeeting(job.meetingId);
    progress(0);
    await summarizeMeeting({ vault: meetings.vault, meetings }, meeting.id, {
      host,
      model: { path, threads: defaults.threads ?? defaultThreads() },
      template,
      ...(signal ? { signal } : {}),
      onChunk: () => progress(0.5),
    });
    progress(1);
  };
}
