import { open } from 'node:fs/promises';
import { GreffierError, UsageError } from '../../core/errors.js';
import { floatToInt16, int16ToBytes, SAMPLE_RATE, wavHeader } from '../../core/audio/index.js';
import { probeAudio, type AudioInfo } from '../../core/audio/probe.js';
import { formatTime, whisperSamples, type DecodeProgress } from '../../core/audio/stream.js';
import { progressView } from '../../core/audio/progress.js';
import { parseCommandArgs, writeLine, type Command, type CommandIo } from '../command.js';

/** "greffier audio": what a recording is, and a 16 kHz mono WAV of it, for IT and for tests. */

function infoJson(info: AudioInfo): Record<string, unknown> {
  return {
    file: info.file,
    bytes: info.bytes,
    container: info.container,
    codec: info.codec,
    sampleRate: info.sampleRate ?? null,
    channels: info.channels ?? null,
    durationMs: info.durationMs === undefined ? null : Math.round(info.durationMs),
    durationExact: info.durationExact,
    importable: !info.refusal,
    ...(info.refusal
      ? {
          refusal: {
            code: info.refusal.code,
            message: info.refusal.message,
            hint: info.refusal.hint,
          },
        }
      : {}),
  };
}

export function describeAudio(info: AudioInfo): string {
  const parts = [info.codec.toUpperCase()];
  if (info.sampleRate) parts.push(`${info.sampleRate} Hz`);
  if (info.channels) parts.push(info.channels === 1 ? 'mono' : `${info.channels} channels`);
  const duration =
    info.durationMs === undefined
      ? 'duration unknown until decoded'
      : `${info.durationExact ? '' : 'about '}${formatTime(info.durationMs)}`;
  return `${info.file}: ${info.what}, ${parts.join(', ')}, ${duration}`;
}

/**
 * A progress line on stderr at most once a second (and at the end): percent,
 * audio position and time left. Shared with "greffier import".
 */
export function progressPrinter(io: CommandIo, label: string): (progress: DecodeProgress) => void {
  const startedAt = Date.now();
  let last = 0;
  let finished = false;
  return (progress) => {
    const now = Date.now();
    const done = progress.bytesRead >= progress.bytesTotal;
    if (done ? finished : now - last < 1000) return;
    finished = done;
    last = now;
    const view = progressView(progress, startedAt, now);
    const eta = done
      ? 'done'
      : view.etaMs === undefined
        ? 'estimating time left'
        : `about ${formatTime(view.etaMs)} left`;
    writeLine(
      io.stderr,
      `greffier: ${label} ${Math.floor(view.fraction * 100)}% (${formatTime(view.decodedMs)} of audio), ${eta}`,
    );
  };
}

const probeCommand: Command = {
  path: ['audio', 'probe'],
  summary:
    'say what an audio file is (format, codec, rate, channels, duration) and whether Greffier imports it',
  usage: `
Usage: greffier audio probe <file> [--json]

Reads the file's header (the content, not its name) and prints its format,
codec, sample rate, channels and duration, and why it cannot be imported if
so. Exit code 1 when Greffier cannot import it.

Options:
  --json    one JSON object on stdout
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1)
      throw new UsageError('audio probe takes the path of one audio file');
    const info = await probeAudio(positionals[0]!);
    if (values.json) writeLine(io.stdout, JSON.stringify(infoJson(info)));
    else writeLine(io.stdout, describeAudio(info));
    // Exit code 1 (after the description) when it cannot be imported: scripts can test it.
    if (info.refusal) throw info.refusal;
  },
};

const convertCommand: Command = {
  path: ['audio', 'convert'],
  summary: 'convert an audio file to a 16 kHz mono 16-bit WAV (what whisper reads)',
  usage: `
Usage: greffier audio convert <file> --out <file.wav>

Decodes any format Greffier imports and writes it as 16 kHz mono 16-bit PCM
WAV, streaming (a 4-hour file in bounded memory). Damage inside the file is
reported with its time on stderr; the rest is converted.

Options:
  --out <file.wav>    where to write (required; replaced if it exists)
  --quiet             no progress lines
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string' },
      quiet: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new UsageError('audio convert takes the path of one audio file');
    if (!values.out) throw new UsageError('audio convert needs --out <file.wav>');
    const info = await probeAudio(positionals[0]!);
    if (info.refusal) throw info.refusal;
    if (!values.quiet) writeLine(io.stderr, `greffier: ${describeAudio(info)}`);
    const out = await open(values.out, 'w').catch((error: NodeJS.ErrnoException) => {
      throw new GreffierError(
        'audio-file-unwritable',
        `${values.out} cannot be written (${error.code ?? error.message})`,
        {
          hint: 'choose a folder you may write to',
        },
      );
    });
    let samples = 0;
    try {
      await out.write(wavHeader(undefined), 0, 44, 0);
      let position = 44;
      for await (const piece of whisperSamples(info, {
        onProgress: values.quiet ? undefined : progressPrinter(io, 'converting'),
        onWarning: (warning) => writeLine(io.stderr, `greffier: warning: ${warning.message}`),
      })) {
        const bytes = int16ToBytes(floatToInt16(piece));
        await out.write(bytes, 0, bytes.length, position);
        position += bytes.length;
        samples += piece.length;
        if (io.signal.aborted)
          throw new GreffierError('cancelled', 'conversion cancelled', { hint: 'run it again' });
      }
      // The real sizes, now known (past 4 GB of 16 kHz audio — 37 hours — they stay "unknown").
      if (samples * 2 + 36 < 0xffffffff) await out.write(wavHeader(samples), 0, 44, 0);
    } finally {
      await out.close();
    }
    writeLine(
      io.stdout,
      `${values.out}: ${formatTime((samples / SAMPLE_RATE) * 1000)} at ${SAMPLE_RATE} Hz mono`,
    );
  },
};

export const audioCommands = [probeCommand, convertCommand];
