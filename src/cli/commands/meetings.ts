import { deleteMeeting } from '../../core/retention/index.js';
import { GreffierError, UsageError } from '../../core/errors.js';
import { importAudio } from '../../core/meetings/import.js';
import { runPipeline } from '../../core/pipeline/pipeline.js';
import { checkExplicitModel } from '../../core/models/resolver.js';
import { clearPrivateTemp } from '../../core/tempfiles.js';
import { MeetingStatusSchema, type Meeting } from '../../shared/meetings.js';
import { LanguageChoiceSchema } from '../../shared/transcript.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';
import { cliModelSource, cliPipeline } from '../model-flags.js';
import { oneId, PASS, passOption, withOpenVault } from '../vault-session.js';
import { formatTimestamp } from './transcribe.js';
import { describeAudio, progressPrinter } from './audio.js';
import { readSeatPlan } from '../../core/speakers/seat-file.js';

/** Meetings in the vault: import a recording, list, show, delete. */

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function meetingLine(m: Meeting): string {
  return [
    m.id,
    m.startedAt.slice(0, 16).replace('T', ' '),
    m.status.padEnd(12),
    formatDuration(m.durationMs),
    `${m.segmentCount} seg`.padStart(8),
    m.title,
  ].join('  ');
}

const importCommand: Command = {
  path: ['import'],
  summary: 'store a recording (WAV, MP3, FLAC, Ogg, WebM) as a meeting and transcribe it',
  usage: `
Usage: greffier import <audio> --title <title> [options]

Stores the audio in the vault, encrypted, and prints the new meeting's id.
Reads WAV (also RF64/BW64 and over 2 GB), MP3, FLAC, Ogg Vorbis, Ogg Opus and
WebM Opus, recognised by their content; AAC (M4A/MP4) is refused (convert it
first, see "greffier audio probe"). Long files stream: a 4-hour session is
imported in bounded memory, with progress and time left on stderr (on a
terminal, or with --progress).
With a speech model (--asr-model, or one installed in the vault) the meeting
then goes through the same pipeline as in the app: transcript (silence
trimmed by the installed VAD), minutes (with an installed language model) and
search index. Without one, the transcription waits for "greffier jobs --resume".

Options:
  --title <title>         meeting title (required)
  --lang fr|en|auto       language spoken (default: the vault's default language)
  --asr-model <file>      whisper.cpp model (default: the vault's)
  --vad-model <file>      Silero VAD model: skip silence (default: the vault's)
  --llm-model <file>      GGUF language model for the minutes (default: the vault's)
  --threads <n>           CPU threads for whisper
  --progress              print the file's format and duration, then progress and time
                          left, on stderr even when it is not a terminal
  --seats <plan|file>     multi-channel WAV: who sits at which microphone
                          ("1=Mme Martin,2=M. Durand", or a file with one seat a line);
                          the loudest channel gives the speaker
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      seats: { type: 'string' },
      title: { type: 'string' },
      lang: { type: 'string' },
      progress: { type: 'boolean' },
      'asr-model': { type: 'string' },
      'vad-model': { type: 'string' },
      'llm-model': { type: 'string' },
      threads: { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        'import takes the path of one audio file',
        'e.g. greffier import conseil.mp3 --title "Conseil"',
      );
    }
    if (!values.title?.trim())
      throw new UsageError('import needs --title <title>', 'e.g. --title "Conseil municipal"');
    const lang =
      values.lang === undefined ? undefined : LanguageChoiceSchema.safeParse(values.lang);
    if (lang && !lang.success)
      throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    positiveInteger(values.threads, '--threads');
    // A wrong model path is said before anything is stored or decrypted.
    if (values['asr-model']) await checkExplicitModel(values['asr-model'], 'asr', { env: io.env });
    if (values['vad-model']) await checkExplicitModel(values['vad-model'], 'vad', { env: io.env });
    if (values['llm-model']) await checkExplicitModel(values['llm-model'], 'llm', { env: io.env });
    const seats = values.seats === undefined ? undefined : await readSeatPlan(values.seats);
    clearPrivateTemp(io.env);
    // What the file is and how far the import has gone: on a terminal, or when asked (scripts).
    const showProgress =
      values.progress === true || (io.stderr as { isTTY?: boolean }).isTTY === true;
    await withOpenVault(io, values['passphrase-file'], async (open) => {
      const { meetings, jobs } = open;
      const meeting = await importAudio(
        meetings,
        positionals[0]!,
        {
          title: values.title!,
          ...(lang?.success ? { language: lang.data } : {}),
          ...(seats ? { seats } : {}),
        },
        {
          onProbe: showProgress
            ? (info) => writeLine(io.stderr, `greffier: importing ${describeAudio(info)}`)
            : undefined,
          onProgress: showProgress ? progressPrinter(io, 'importing') : undefined,
          onWarning: (warning) => writeLine(io.stderr, `greffier: warning: ${warning.message}`),
          signal: io.signal,
          onChannels: (found) => {
            for (const channel of found.silentChannels) {
              writeLine(
                io.stderr,
                `greffier: channel ${channel} is silent for the whole meeting (microphone off or unplugged?)`,
              );
            }
          },
        },
      );
      const params: Record<string, unknown> = {};
      if (values['asr-model']) params.model = values['asr-model'];
      if (values['vad-model']) params.vadModel = values['vad-model'];
      // Recorded before it runs: if this process dies, "jobs --resume" finishes it.
      const job = await jobs.enqueue('transcribe', meeting.id, params);
      writeLine(io.stdout, meeting.id);
      const pipeline = cliPipeline(open, values, io);
      try {
        if (!cliModelSource(open, values, io.env).has('asr')) {
          writeLine(
            io.stderr,
            `greffier: transcription queued (job ${job.id}); install a speech model ("greffier models add F --kind asr") or run "greffier jobs --resume --asr-model F"`,
          );
          return;
        }
        // The whole pipeline for this meeting, as the app runs it: transcript, minutes, index.
        const { ran, waiting } = await runPipeline(open, pipeline.handlers, {
          meetingId: meeting.id,
          signal: io.signal,
        });
        const failed = ran.find((j) => j.state === 'failed');
        if (failed) {
          throw new GreffierError(
            'transcription-failed',
            `meeting ${meeting.id} was stored but its ${failed.kind} step failed: ${failed.error ?? 'unknown error'}`,
            {
              hint: 'the audio is safe in the vault; fix the cause and run "greffier jobs --resume"',
            },
          );
        }
        for (const j of waiting) {
          writeLine(io.stderr, `greffier: ${j.kind} step waits: ${j.error ?? 'no model for it'}`);
        }
      } finally {
        await pipeline.close();
      }
    });
  },
};

const listCommand: Command = {
  path: ['list'],
  summary: 'list the meetings in the vault',
  usage: `
Usage: greffier list [--json] [--from DATE] [--to DATE] [--status S] [--text T] [--lang L]

Options:
  --json              one JSON array of meetings
  --segments          with --json: include each meeting's transcript segments
  --from / --to DATE  only meetings started in that range (YYYY-MM-DD)
  --status S          recording|transcribing|summarising|ready|recovered|failed
  --text T            words in the title
  --lang fr|en|auto   meeting language
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
      segments: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      status: { type: 'string' },
      text: { type: 'string' },
      lang: { type: 'string' },
    });
    if (positionals.length)
      throw new UsageError(`list takes no arguments, not "${positionals.join(' ')}"`);
    for (const flag of ['from', 'to'] as const) {
      if (values[flag] !== undefined && !/^\d{4}-\d{2}-\d{2}/.test(values[flag])) {
        throw new UsageError(`--${flag} takes a date like 2026-11-25, not "${values[flag]}"`);
      }
    }
    const status =
      values.status === undefined ? undefined : MeetingStatusSchema.safeParse(values.status);
    if (status && !status.success)
      throw new UsageError(
        `--status takes one of ${MeetingStatusSchema.options.join(', ')}, not "${values.status}"`,
      );
    const lang =
      values.lang === undefined ? undefined : LanguageChoiceSchema.safeParse(values.lang);
    if (lang && !lang.success)
      throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    if (values.segments && !values.json) throw new UsageError('--segments goes with --json');
    const list = await withOpenVault(io, values['passphrase-file'], async ({ meetings }) => {
      const found = meetings.list({
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        ...(status?.success ? { status: [status.data] } : {}),
        ...(values.text ? { text: values.text } : {}),
        ...(lang?.success ? { language: lang.data } : {}),
      });
      if (!values.segments) return found;
      // One transcript decrypted at a time, on request only: a big vault lists fast without it.
      const withSegments = [];
      for (const m of found)
        withSegments.push({ ...m, segments: await meetings.getSegments(m.id) });
      return withSegments;
    });
    if (values.json) return writeLine(io.stdout, JSON.stringify(list, null, 2));
    if (list.length === 0) return writeLine(io.stderr, 'no meetings');
    for (const m of list) writeLine(io.stdout, meetingLine(m));
  },
};

const showCommand: Command = {
  path: ['show'],
  summary: 'show one meeting with its transcript',
  usage: `
Usage: greffier show <meeting-id> [--json]

Options:
  --json   the meeting, its segments and summary as one JSON object
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      json: { type: 'boolean' },
    });
    const id = oneId(positionals, 'show');
    const detail = await withOpenVault(io, values['passphrase-file'], ({ meetings }) =>
      meetings.get(id),
    );
    if (values.json) return writeLine(io.stdout, JSON.stringify(detail, null, 2));
    writeLine(io.stdout, `${detail.title}`);
    writeLine(
      io.stdout,
      `${detail.id} · ${detail.startedAt} · ${detail.language} · ${detail.status} · ${formatDuration(detail.durationMs)}`,
    );
    if (detail.statusNote) writeLine(io.stdout, `note: ${detail.statusNote}`);
    writeLine(io.stdout);
    const names = new Map(detail.speakers.map((s) => [s.id, s.name]));
    for (const s of detail.segments) {
      const who = s.speakerId ? `${names.get(s.speakerId) ?? s.speakerId}: ` : '';
      writeLine(
        io.stdout,
        `[${formatTimestamp(s.startMs)} → ${formatTimestamp(s.endMs)}] ${who}${s.text.trim()}`,
      );
    }
    if (detail.segments.length === 0) writeLine(io.stdout, '(no transcript yet)');
  },
};

const deleteCommand: Command = {
  path: ['delete'],
  summary: 'delete a meeting for good (its key is destroyed first)',
  usage: `
Usage: greffier delete <meeting-id>

Destroys the meeting's key (crypto-shredding), then its files and jobs.
Options:
  ${PASS}
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, passOption);
    const id = oneId(positionals, 'delete');
    await withOpenVault(io, values['passphrase-file'], (open) => deleteMeeting(open, id));
    writeLine(io.stdout, `deleted ${id}`);
  },
};

export const meetingCommands: Command[] = [importCommand, listCommand, showCommand, deleteCommand];
