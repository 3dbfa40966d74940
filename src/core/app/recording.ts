import { GreffierError } from '../errors.js';
import { LiveMinutes } from '../llm/live-minutes.js';
import { loadTemplate } from '../llm/prompts.js';
import { addMarker, addTurn, readNotes } from '../meetings/notes.js';
import { int16FromBase64, SAMPLE_RATE } from '../audio/index.js';
import { withSpeakers } from '../speakers/turns.js';
import { detectLanguage } from '../text/language.js';
import type { LanguageChoice, MeetingSegment } from '../../shared/transcript.js';
import { finalDecoding } from '../asr/index.js';
import { FinalPass } from '../meetings/final-pass.js';
import { LiveTranscriber } from './live.js';
import { RecordingChannels } from './live-channels.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';
import { showFinalWindow } from './window-lines.js';

interface Recording {
  meetingId: string;
  title: string;
  language: LanguageChoice;
  nextSeq: number;
  samples: number;
  live: LiveTranscriber | undefined;
  liveCount: number;
  /** The language model for live notes, when one is installed. */
  llm: string | undefined;
  /** Chunk notes written as the live transcript arrives (only with a language model). */
  minutes: LiveMinutes | undefined;
  /** A multi-channel input: who has the floor, from the seats' microphones. */
  channels?: RecordingChannels;
  /** The final-quality pass, window by window as the audio is journalled. */
  final: FinalPass | undefined;
  /** Stops the final pass when the vault locks (windows done stay sealed in the vault). */
  finalAbort: AbortController;
}

const durationMs = (samples: number) => (samples / SAMPLE_RATE) * 1000;

/**
 * Recording: audio chunks go into the meeting's encrypted journal before
 * they are acknowledged; the live transcript and live notes follow; on stop
 * the meeting enters the pipeline (final pass, speaker turns, minutes, index).
 */
export function recordingCalls(session: AppSession): Handlers {
  const recordings = new Map<string, Recording>();

  // Live notes are the session's: it cancels them on lock.
  const stopAll = async () => {
    for (const recording of recordings.values()) {
      recording.finalAbort.abort();
      await recording.live?.stop();
    }
    recordings.clear();
  };
  session.onTeardown(stopAll);

  /**
   * Live lines go into the meeting's minutes as they arrive: each full chunk
   * of transcript becomes notes during the recording, through the one model
   * host queue, with the same model settings as the minutes step so the host
   * keeps the model loaded.
   */
  const feedLiveNotes = (recording: Recording, lines: MeetingSegment[]) => {
    // Lines that land after stop are left to the final pass (stop has handed the notes over).
    if (!recording.llm || !session.unlocked || recordings.get(recording.meetingId) !== recording) {
      return;
    }
    const open = session.vault;
    const meeting = open.meetings.getMeeting(recording.meetingId);
    if (!recording.minutes) {
      recording.minutes = new LiveMinutes(open, {
        host: session.modelHost(),
        model: { path: recording.llm, threads: session.threads },
        meetingId: recording.meetingId,
        meetingTitle: recording.title,
        language:
          recording.language === 'auto'
            ? detectLanguage(lines.map((line) => line.text).join(' '))
            : recording.language,
        // The template the minutes step uses after stop unless the clerk picks another.
        template: loadTemplate('general'),
        onChunk: () =>
          session.dispatcher.emit('meeting.changed', { meetingId: recording.meetingId }),
      });
      // Kept by the session from the start: the minutes step after stop takes them over.
      session.liveNotes.set(recording.meetingId, recording.minutes);
    }
    const names = new Map(meeting.speakers.map((speaker) => [speaker.id, speaker.name]));
    recording.minutes.add(
      lines.map((line) => {
        const speaker = line.speakerId ? names.get(line.speakerId) : undefined;
        return {
          id: line.id,
          startMs: line.startMs,
          endMs: line.endMs,
          text: line.text,
          ...(speaker ? { speaker } : {}),
        };
      }),
    );
  };

  const recordingOf = (meetingId: string): Recording => {
    const recording = recordings.get(meetingId);
    if (!recording) {
      throw new GreffierError('not-recording', 'This meeting is not being recorded.', {
        hint: 'Start a new recording; audio already saved is kept.',
      });
    }
    return recording;
  };

  return {
    'recording.start': async ({ title, language, speakers, channels, seats }) => {
      // A seat plan the input cannot have is refused before anything is recorded.
      if (seats?.length) RecordingChannels.check(channels ?? 1, seats);
      const open = session.vault;
      const meeting = await open.meetings.create({ title, language });
      for (const [index, name] of speakers.entries()) {
        await open.meetings.renameSpeaker(meeting.id, `p${index + 1}`, name);
      }
      const models = session.models();
      const asr = await models.resolve('asr');
      const recording: Recording = {
        meetingId: meeting.id,
        title: meeting.title,
        language,
        nextSeq: 0,
        samples: 0,
        live: undefined,
        liveCount: 0,
        llm: asr ? await models.resolve('llm') : undefined,
        minutes: undefined,
        final: undefined,
        finalAbort: new AbortController(),
      };
      if (channels && channels > 1) {
        recording.channels = new RecordingChannels(session, meeting.id, channels, seats ?? []);
      }
      if (asr) {
        const vadModel = await models.resolve('vad');
        recording.final = new FinalPass(open.meetings, meeting.id, {
          model: asr,
          language,
          ...(vadModel ? { vadModel } : {}),
          threads: session.threads,
          decoding: finalDecoding(open.vault.getSettings(), session.policy),
          scheduler: session.scheduler,
          signal: recording.finalAbort.signal,
          // Full-quality lines replace the live ones of the same stretch on screen.
          onWindow: (window) => showFinalWindow(open, session.dispatcher, meeting.id, window),
        });
      }
      if (asr) {
        recording.live = new LiveTranscriber({
          model: asr,
          language,
          scheduler: session.scheduler,
          ...(session.options.threads ? { threads: session.options.threads } : {}),
          onSegments: (lines) => {
            void readNotes(open.meetings, meeting.id).then(
              (notes) => {
                const segments = withSpeakers(lines, notes.turns).map((line) => ({
                  ...line,
                  id: `live-${++recording.liveCount}`,
                }));
                session.dispatcher.emit('live.segments', { meetingId: meeting.id, segments });
                // Notes follow the live lines (fast, many small lines fill a chunk); the minutes
                // step maps their citations onto the final ids (reuseLiveNotes).
                feedLiveNotes(recording, segments);
              },
              () => undefined,
            );
          },
        });
      }
      recordings.set(meeting.id, recording);
      session.dispatcher.emit('meeting.changed', { meetingId: meeting.id });
      return { meetingId: meeting.id };
    },

    'recording.append': async ({ meetingId, seq, pcm, levels }) => {
      const recording = recordingOf(meetingId);
      // A chunk sent twice (a retry after a lost answer) is acknowledged, not stored twice.
      if (seq < recording.nextSeq) {
        return { acknowledgedSeq: seq, durationMs: durationMs(recording.samples) };
      }
      if (seq > recording.nextSeq) {
        throw new GreffierError(
          'audio-gap',
          `Audio chunk ${recording.nextSeq} never arrived (got ${seq}).`,
          { hint: 'Stop and restart the recording; everything before the gap is saved.' },
        );
      }
      const samples = int16FromBase64(pcm);
      await session.vault.meetings.appendAudio(meetingId, samples);
      recording.nextSeq = seq + 1;
      recording.samples += samples.length;
      recording.live?.push(samples);
      // The audio is safe in the journal; who spoke is decided after it.
      if (levels && recording.channels)
        await recording.channels.push(Buffer.from(levels, 'base64'));
      recording.final?.push(samples);
      return { acknowledgedSeq: seq, durationMs: durationMs(recording.samples) };
    },

    'recording.active': async () => {
      // Only while unlocked: a locked vault has no recording (lock stops them).
      if (!session.unlocked) return [];
      return [...recordings.values()].map((recording) => ({
        meetingId: recording.meetingId,
        title: recording.title,
        language: recording.language,
        nextSeq: recording.nextSeq,
        durationMs: durationMs(recording.samples),
      }));
    },

    'recording.marker': async ({ meetingId, atMs, label }) => {
      await addMarker(session.vault.meetings, meetingId, { atMs, label });
      return { ok: true };
    },

    'recording.speakerTurn': async ({ meetingId, speakerId, atMs }) => {
      const { meetings } = session.vault;
      const meeting = meetings.getMeeting(meetingId);
      if (!meeting.speakers.some((speaker) => speaker.id === speakerId)) {
        throw new GreffierError(
          'no-speaker',
          'That speaker is not in the roster of this meeting.',
          {
            hint: 'Add the name to the roster first.',
          },
        );
      }
      await addTurn(meetings, meetingId, { atMs, speakerId });
      return { ok: true };
    },

    'recording.addSpeaker': async ({ meetingId, name }) => {
      const { meetings } = session.vault;
      const meeting = meetings.getMeeting(meetingId);
      if (meeting.speakers.length >= 9) {
        throw new GreffierError('roster-full', 'The roster already has 9 speakers (keys 1–9).', {
          hint: 'Merge or rename speakers after the meeting.',
        });
      }
      const ids = new Set(meeting.speakers.map((s) => s.id));
      let n = meeting.speakers.length + 1;
      while (ids.has(`p${n}`)) n++;
      return meetings.renameSpeaker(meetingId, `p${n}`, name);
    },

    'recording.stop': async ({ meetingId }) => {
      const recording = recordings.get(meetingId);
      recordings.delete(meetingId);
      await recording?.live?.stop();
      // The final pass does the tail now; the transcribe job waits for it, then reuses every window.
      const final = recording?.final?.finish();
      if (final) {
        session.finalPasses.set(
          meetingId,
          // A failed window is redone by the job from the journal: nothing to report here.
          final.then(
            () => undefined,
            () => undefined,
          ),
        );
      }
      // Its notes (session.liveNotes) finish in the background; the minutes step waits for them.
      const open = session.vault;
      await open.meetings.finish(meetingId);
      await recording?.channels?.finish();
      // Queued even without a speech model: it runs as soon as one is installed.
      await open.jobs.enqueue('transcribe', meetingId, {});
      session.dispatcher.emit('meeting.changed', { meetingId });
      session.kickJobs();
      return { ok: true };
    },
  };
}

/** The live notes' chunk count of a meeting being recorded or just stopped (tests, bench). */
export function liveNotesChunks(session: AppSession, meetingId: string): number {
  return session.liveNotes.get(meetingId)?.chunks ?? 0;
}
