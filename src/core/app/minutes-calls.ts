import { GreffierError } from '../errors.js';
import { refuseIfLocked } from '../meetings/locks.js';
import { editMinutes } from '../record/edit.js';
import { listAllTemplates } from '../record/templates.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** Minutes: the templates offered and a redraft with another one. */
export function minutesCalls(session: AppSession): Handlers {
  return {
    'minutes.templates': async () =>
      (await listAllTemplates(session.vault.vault)).map((e) => e.template.id),

    'minutes.edit': async ({ meetingId, minutes }) => {
      await editMinutes(session.vault, meetingId, minutes);
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },

    'minutes.regenerate': async ({ meetingId, template }) => {
      const ids = (await listAllTemplates(session.vault.vault)).map((e) => e.template.id);
      if (!ids.includes(template)) {
        throw new GreffierError('no-template', `There is no minutes template "${template}".`, {
          hint: `Choose one of: ${ids.join(', ')}.`,
        });
      }
      const open = session.vault;
      const meeting = open.meetings.getMeeting(meetingId);
      refuseIfLocked(meeting);
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
