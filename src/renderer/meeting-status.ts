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
