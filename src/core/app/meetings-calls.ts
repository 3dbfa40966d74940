import { deleteMeeting } from '../retention/index.js';
import { appendAudit } from '../audit/index.js';
import { encodeWav16 } from '../audio/index.js';
import { GreffierError } from '../errors.js';
import { readNotes } from '../meetings/notes.js';
import { queueStep } from '../pipeline/pipeline.js';
import { readMeetingSamples } from '../meetings/transcription.js';
import { MinutesSchema } from '../../shared/minutes.js';
import { minutesStateOf } from '../../shared/record.js';
import type { Meeting } from '../../shared/meetings.js';
import type { MeetingView } from '../../shared/api.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

/** The meetings list and one meeting's page: transcript, speakers, playback, delete. */
export function meetingCalls(session: AppSession): Handlers {
  const view = (meeting: Meeting): MeetingView => ({
    ...meeting,
    jobs: session.jobViews(meeting.id),
  });

  return {
    'meetings.list': async ({ query, status, minutes }) => {
      const meetings = session.vault.meetings.list({
        ...(query ? { text: query } : {}),
        ...(status ? { status: [status] } : {}),
      });
      return meetings.filter((m) => !minutes || minutesStateOf(m) === minutes).map(view);
    },

    'meetings.get': async ({ id }) => {
      const { meetings } = session.vault;
      const detail = await meetings.get(id);
      const minutes = MinutesSchema.safeParse(detail.summary);
      const { summary: _summary, ...meeting } = detail;
      const notes = await readNotes(meetings, id);
      return {
        ...meeting,
        jobs: session.jobViews(id),
        markers: notes.markers,
        ...(minutes.success ? { minutes: minutes.data } : {}),
      };
    },

    'meetings.delete': async ({ id }) => {
      await session.liveNotes.get(id)?.cancel();
      session.liveNotes.delete(id);
      await deleteMeeting(session.vault, id);
      session.dispatcher.emit('meeting.changed', { meetingId: id });
      return { ok: true };
    },

    'meetings.audio': async ({ id, fromMs, toMs }) => {
      if (toMs <= fromMs) {
        throw new GreffierError('bad-range', 'The audio range is empty.', {
          hint: 'Choose a line of the transcript to play from.',
        });
      }
      // Ten minutes at most per request: playback never decrypts a whole meeting at once.
      const to = Math.min(toMs, fromMs + 10 * 60_000);
      const samples = await readMeetingSamples(session.vault.meetings, id, fromMs, to);
      return { wavBase64: encodeWav16(samples).toString('base64') };
    },

    'segments.edit': async ({ meetingId, segmentId, text }) => {
      await session.vault.meetings.editSegment(meetingId, segmentId, { text });
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },

    'segments.setSpeaker': async ({ meetingId, segmentId, speakerId }) => {
      const { meetings } = session.vault;
      const meeting = meetings.getMeeting(meetingId);
      if (speakerId !== null && !meeting.speakers.some((s) => s.id === speakerId)) {
        throw new GreffierError('no-speaker', 'That speaker is not in this meeting.', {
          hint: "Add the name to the meeting's speakers first, or reload the meeting.",
        });
      }
      const segments = await meetings.getSegments(meetingId);
      if (!segments.some((s) => s.id === segmentId)) {
        throw new GreffierError('no-segment', 'That line is not in the transcript any more.', {
          hint: 'Reload the meeting and try again.',
        });
      }
      await meetings.setTranscript(
        meetingId,
        segments.map((s) => {
          if (s.id !== segmentId) return s;
          const { speakerId: _old, ...rest } = s;
          return speakerId === null ? rest : { ...rest, speakerId };
        }),
      );
      await appendAudit(session.vault.vault, {
        action: 'speaker.set',
        meetingId,
        details: { segmentId, speakerId },
      });
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },

    'meetings.transcribe': async ({ id }) => {
      const open = session.vault;
      const meeting = open.meetings.getMeeting(id);
      if (meeting.status === 'recording') {
        throw new GreffierError('still-recording', 'This meeting is still being recorded.', {
          hint: 'Stop (or finish) the recording first.',
        });
      }
      if (meeting.durationMs === 0) {
        throw new GreffierError('no-audio', 'This meeting has no audio to transcribe.', {
          hint: 'Record or import audio first.',
        });
      }
      // Said now rather than as a waiting job: the clerk is looking at the button.
      await session.models().require('asr');
      await queueStep(open.jobs, 'transcribe', id);
      session.dispatcher.emit('meeting.changed', { meetingId: id });
      session.kickJobs();
      return { ok: true };
    },

    'speakers.rename': async ({ meetingId, speakerId, name }) => {
      const { meetings } = session.vault;
      const meeting = meetings.getMeeting(meetingId);
      if (!meeting.speakers.some((speaker) => speaker.id === speakerId)) {
        throw new GreffierError('no-speaker', 'That speaker is not in this meeting.', {
          hint: 'Reload the meeting and try again.',
        });
      }
      await meetings.renameSpeaker(meetingId, speakerId, name);
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },

    'speakers.merge': async ({ meetingId, fromSpeakerId, intoSpeakerId }) => {
      const { meetings } = session.vault;
      const meeting = meetings.getMeeting(meetingId);
      const known = new Set(meeting.speakers.map((s) => s.id));
      if (
        !known.has(fromSpeakerId) ||
        !known.has(intoSpeakerId) ||
        fromSpeakerId === intoSpeakerId
      ) {
        throw new GreffierError(
          'bad-merge',
          'Choose two different speakers of this meeting to merge.',
          { hint: 'Pick the speaker to merge, then the one to keep.' },
        );
      }
      const segments = await meetings.getSegments(meetingId);
      const moved = segments.map((s) =>
        s.speakerId === fromSpeakerId ? { ...s, speakerId: intoSpeakerId } : s,
      );
      await meetings.setTranscript(meetingId, moved, {
        speakers: meeting.speakers.filter((s) => s.id !== fromSpeakerId),
      });
      await appendAudit(session.vault.vault, {
        action: 'speakers.merged',
        meetingId,
        details: { fromSpeakerId, intoSpeakerId },
      });
      session.dispatcher.emit('meeting.changed', { meetingId });
      return { ok: true };
    },
  };
}
