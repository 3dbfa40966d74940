import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { encodeWav16 } from '../../core/audio/wav.js';
import { GreffierError, UsageError } from '../../core/errors.js';
import { checkExplicitModel } from '../../core/models/resolver.js';
import { Synthesiser } from '../../core/speech/synthesiser.js';
import {
  parseCommandArgs,
  positiveInteger,
  writeLine,
  type Command,
  type CommandIo,
} from '../command.js';
import { cliModelSource } from '../model-flags.js';
import { PASS, passOption, withOpenVault } from '../vault-session.js';

/** Silence between two sentences, as a reader breathes. */
const PAUSE_SECONDS = 0.25;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function parseSpeed(value: string | undefined): number {
  if (value === undefined) return 1;
  const speed = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || speed < 0.5 || speed > 2) {
    throw new UsageError(`--speed takes a number from 0.5 to 2, not "${value}"`);
  }
  return speed;
}

/** The voice: the file given (checked as any --*-model file), else the vault's installed one. */
async function voicePath(
  values: { voice?: string | undefined; 'passphrase-file'?: string | undefined },
  io: CommandIo,
): Promise<string> {
  if (values.voice) {
    return checkExplicitModel(resolve(values.voice), 'speech', { env: io.env, signal: io.signal });
  }
  return withOpenVault(io, values['passphrase-file'], (open) =>
    cliModelSource(open, {}, io.env).require('speech'),
  );
}

export const say: Command = {
  path: ['say'],
  summary: 'read a text aloud with an offline neural voice (Piper) into a WAV file',
  usage: `
Usage: greffier say [text...] --out <file.wav> [options]

Reads the text with an offline neural voice (a Piper voice through
sherpa-onnx) and writes the audio as a 16-bit WAV file, sentence after
sentence. Without text on the command line the text is read from the
standard input, e.g.  greffier say --out ordre-du-jour.wav < ordre-du-jour.txt

Options:
  --out <file.wav>     where to write the audio ("-" writes the WAV to standard output)
  --voice <file.onnx>  a Piper voice (its .onnx.json beside it); default: the vault's
  --speed <n>          speaking rate from 0.5 to 2 (default 1)
  --threads <n>        CPU threads for the voice (default 1)
  ${PASS} (without --voice)
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...passOption,
      out: { type: 'string' },
      voice: { type: 'string' },
      speed: { type: 'string' },
      threads: { type: 'string' },
    });
    if (!values.out) {
      throw new UsageError('--out <file.wav> is required: where to write the audio');
    }
    const speed = parseSpeed(values.speed);
    const threads = positiveInteger(values.threads, '--threads') ?? 1;
    const text = (positionals.length > 0 ? positionals.join(' ') : await readAll(io.stdin)).trim();
    if (!text) throw new UsageError('there is no text to read', 'give the text, or pipe it in');
    const model = await voicePath(values, io);
    const voice = await Synthesiser.open(model, { threads, env: io.env });
    const parts: Float32Array[] = [];
    try {
      const stop = () => voice.stop();
      io.signal.addEventListener('abort', stop, { once: true });
      const result = await voice.speak(
        text,
        (sentence) => {
          if (parts.length > 0)
            parts.push(new Float32Array(Math.round(PAUSE_SECONDS * voice.sampleRate)));
          parts.push(sentence.samples);
        },
        { speed },
      );
      io.signal.removeEventListener('abort', stop);
      if (result.stopped) throw new GreffierError('cancelled', 'reading was cancelled');
    } finally {
      await voice.close();
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const samples = new Float32Array(total);
    let at = 0;
    for (const part of parts) {
      samples.set(part, at);
      at += part.length;
    }
    const wav = encodeWav16(samples, voice.sampleRate);
    if (values.out === '-') {
      io.stdout.write(wav);
      return;
    }
    const out = resolve(values.out);
    try {
      await writeFile(out, wav);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new GreffierError('speech-write', `cannot write ${out} (${code})`, {
        hint: 'choose a folder you can write to, with enough free space',
        cause: error,
      });
    }
    writeLine(io.stdout, `${out}\t${(total / voice.sampleRate).toFixed(1)} s`);
  },
};
