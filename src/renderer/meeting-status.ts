import type { JobView, MeetingStatus } from '../shared/api.js';
import type { MessageKey } from './i18n/translate.js';

/**
 * The badge a meeting shows: its status, except that a meeting whose
 * transcription waits for a model says so (its status alone would read
 * « Prête » with nothing transcribed).
 */
export function meetingBadge(meeting: {
  status: MeetingStatus;
  jobs: Pick<JobView, 'kind' | 'state' | 'errorCode'>[];
}): { key: MessageKey; className: string } {
  const transcriptionWaits = meeting.jobs.some(
    (job) =>
      job.kind === 'transcribe' && job.state === 'queued' && job.errorCode === 'no-asr-model',
  );
  if (transcriptionWaits && meeting.status !== 'recording') {
    return { key: 'status.waitingModel', className: 'waiting' };
  }
  return { key: `status.${meeting.status}` as MessageKey, className: meeting.status };
}

/**
 * The failed jobs a meeting page reports: one per kind, the latest (jobs come
 * oldest first). A retried transcription that failed again showed the same
 * note twice (the walk).
 */
export function failedJobsToShow<J extends Pick<JobView, 'kind' | 'state'>>(jobs: J[]): J[] {
  const latest = new Map<J['kind'], J>();
  for (const job of jobs) if (job.state === 'failed') latest.set(job.kind, job);
  return [...latest.values()];
}

/**
 * A meeting page's jobs once a job reports progress. A job that ended is left
 * to the reload that follows (meeting.changed brings its result with it):
 * dropped first, a finished transcription left the page with neither lines
 * nor job for a moment, and « Transcrire » offered (the walk's finding 30).
 */
export function withJobProgress<J extends Pick<JobView, 'id' | 'state'>>(jobs: J[], job: J): J[] {
  if (job.state !== 'running' && job.state !== 'queued') return jobs;
  return [...jobs.filter((each) => each.id !== job.id), job];
}

/** Whether the meeting page offers « Transcrire »: audio, no transcript, nothing transcribing it. */
export function canTranscribe(meeting: {
  status: MeetingStatus;
  durationMs: number;
  segments: unknown[];
  jobs: Pick<JobView, 'kind' | 'state'>[];
}): boolean {
  const transcribing = meeting.jobs.some(
    (job) => job.kind === 'transcribe' && (job.state === 'running' || job.state === 'queued'),
  );
  return (
    meeting.status !== 'recording' &&
    meeting.durationMs > 0 &&
    !transcribing &&
    (meeting.segments.length === 0 || meeting.status === 'failed')
  );
}
