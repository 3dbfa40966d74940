import { GreffierError } from '../errors.js';
import { listTemplates } from '../llm/prompts.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** Minutes: the templates offered and a redraft with another one. */
export function minutesCalls(session: AppSession): Handlers {
  return {
    'minutes.templates': async () => listTemplates(),

    'minutes.regenerate': async ({ meetingId, template }) => {
      if (!listTemplates().includes(template)) {
        throw new GreffierError('no-template', `There is no minutes template "${template}".`, {
          hint: `Choose one of: ${listTemplates().join(', ')}.`,
        });
      }
      const open = session.vault;
      const meeting = open.meetings.getMeeting(meetingId);
      if (meeting.segmentCount === 0) {
        throw new GreffierError(
          'no-transcript',
          'This meeting has no transcript to summarise yet.',
          {
            hint: 'Wait for the transcription to finish.',
          },
        );
      }
      // Said now rather than as a failed job: the clerk is looking at the button.
      await session.models().require('llm');
      await open.jobs.enqueue('summarize', meetingId, { template });
      session.dispatcher.emit('meeting.changed', { meetingId });
      session.kickJobs();
      return { ok: true };
    },
  };
}
