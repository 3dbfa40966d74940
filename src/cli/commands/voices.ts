import { GreffierError, UsageError } from '../../core/errors.js';
import {
  confirmSuggestion,
  rejectSuggestion,
  rememberSpeakerVoice,
  voiceSuggestions,
} from '../../core/meetings/voices.js';
import { runPipeline } from '../../core/pipeline/pipeline.js';
import { forgetVoice, listVoices } from '../../core/speakers/voice-store.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';
import { cliPipeline } from '../model-flags.js';
import { PASS, passOption, withOpenVault } from '../vault-session.js';

/** Speakers from voices and remembered voices, from a terminal (the same core as the app). */

function twoIds(positionals: string[], command: string): [string, string] {
  if (positionals.length !== 2) {
    throw new UsageError(
      `${command} takes a meeting id and a speaker id`,
      `e.g. greffier ${command} m123 voice1`,
    );
  }
  return [positionals[0]!, positionals[1]!];
}

const detect: Command = {
  path: ['speakers', 'detect'],
  summary: 'tell the voices of a meeting apart (sherpa-onnx)',
  usage: `
Usage: greffier speakers detect <meeting-id> [options]

Runs the speakers step on a transcribed meeting: the voices are told apart
and shown as « Intervenant A, B… » for the clerk to name ("greffier show").
Turns the clerk marked with keys, or channels from a seat plan, are replaced.

Options:
  --speakers <n>              how many people spoke, when known
  --segmentation-model <file> pyannote segmentation model (default: the vault's)
  --voiceprint-model <file>   3D-Speaker/WeSpeaker model (default: the vault's)
  --threads <n>               CPU threads
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      speakers: { type: 'string' },
      'segmentation-model': { type: 'string' },
      'voiceprint-model': { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('speakers detect takes one meeting id');
    const speakers = positiveInteger(values.speakers, '--speakers');
    await withOpenVault(io, values['passphrase-file'], async (open) => {
      open.meetings.getMeeting(positionals[0]!);
      await open.jobs.enqueue('diarize', positionals[0]!, {
        force: true,
        ...(speakers ? { speakers } : {}),
      });
      const pipeline = cliPipeline(open, values, io);
      try {
        const { ran, waiting } = await runPipeline(open, pipeline.handlers, {
          meetingId: positionals[0]!,
          signal: io.signal,
        });
        const failed = ran.find((j) => j.state === 'failed');
        if (failed) {
          throw new GreffierError(
            'voices-failed',
            `the ${failed.kind} step failed: ${failed.error ?? 'unknown error'}`,
            {
              hint: 'fix the cause and run "greffier jobs --resume"',
            },
          );
        }
        for (const j of waiting)
          writeLine(io.stderr, `greffier: ${j.kind} step waits: ${j.error ?? 'no model for it'}`);
        const meeting = open.meetings.getMeeting(positionals[0]!);
        for (const s of meeting.speakers) writeLine(io.stdout, `${s.id}\t${s.name}`);
      } finally {
        await pipeline.close();
      }
    });
  },
};

const list: Command = {
  path: ['voices', 'list'],
  summary: 'list the remembered voices and their consent',
  usage: `
Usage: greffier voices list [--json]

  ${PASS}
`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { ...passOption, json: { type: 'boolean' } }, false);
    const voices = await withOpenVault(io, values['passphrase-file'], async ({ vault }) =>
      listVoices(vault),
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(voices, null, 2));
    if (voices.length === 0) return writeLine(io.stderr, 'no remembered voices');
    for (const v of voices) {
      writeLine(
        io.stdout,
        `${v.id}  ${v.name}  (consent: ${v.consent.by}, ${v.consent.at.slice(0, 10)}${v.consent.note ? `, ${v.consent.note}` : ''})`,
      );
    }
  },
};

const remember: Command = {
  path: ['voices', 'remember'],
  summary: "keep a named speaker's voice, with consent",
  usage: `
Usage: greffier voices remember <meeting-id> <speaker-id> --consent-by <who> [--consent-note <how>]

Keeps the voiceprint of a speaker the speakers step found and the clerk
named, sealed in the vault, so later meetings suggest the name. Refused
without the consent of the person.

  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      'consent-by': { type: 'string' },
      'consent-note': { type: 'string' },
    });
    const [meetingId, speakerId] = twoIds(positionals, 'voices remember');
    const voice = await withOpenVault(io, values['passphrase-file'], async ({ meetings }) =>
      rememberSpeakerVoice(meetings, meetingId, speakerId, {
        by: values['consent-by'] ?? '',
        note: values['consent-note'] ?? '',
      }),
    );
    writeLine(io.stdout, voice.id);
  },
};

const forget: Command = {
  path: ['voices', 'forget'],
  summary: 'forget a voice for good (consent withdrawn)',
  usage: `
Usage: greffier voices forget <voice-id>

Its key is removed from the vault's catalogue and backups, then its sealed
file: the voiceprint cannot be read again by anyone.

  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, passOption);
    if (positionals.length !== 1) throw new UsageError('voices forget takes one voice id');
    await withOpenVault(io, values['passphrase-file'], ({ vault }) =>
      forgetVoice(vault, positionals[0]!),
    );
  },
};

const suggestions: Command = {
  path: ['voices', 'suggestions'],
  summary: "remembered voices a meeting's speakers sound like",
  usage: `
Usage: greffier voices suggestions <meeting-id> [--json]

  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('voices suggestions takes one meeting id');
    const found = await withOpenVault(io, values['passphrase-file'], ({ meetings }) =>
      voiceSuggestions(meetings, positionals[0]!),
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(found, null, 2));
    if (found.length === 0) return writeLine(io.stderr, 'no suggestions');
    for (const s of found) writeLine(io.stdout, `${s.speakerId}  ${s.name}  ${s.score.toFixed(3)}`);
  },
};

function decide(word: 'confirm' | 'reject'): Command {
  return {
    path: ['voices', word],
    summary: `${word === 'confirm' ? 'accept' : 'reject'} a suggested voice for a speaker`,
    usage: `
Usage: greffier voices ${word} <meeting-id> <speaker-id>

  ${PASS}
`,
    async run(argv, io) {
      const { values, positionals } = parseCommandArgs(argv, passOption);
      const [meetingId, speakerId] = twoIds(positionals, `voices ${word}`);
      await withOpenVault(io, values['passphrase-file'], async ({ meetings }) => {
        if (word === 'confirm') await confirmSuggestion(meetings, meetingId, speakerId);
        else await rejectSuggestion(meetings, meetingId, speakerId);
      });
    },
  };
}

export const voiceCommands: Command[] = [
  detect,
  list,
  remember,
  forget,
  suggestions,
  decide('confirm'),
  decide('reject'),
];
