import { UsageError } from '../../core/errors.js';
import { transcribeFile } from '../../core/asr/whisper.js';
import { checkModelAllowed } from '../../core/models/resolver.js';
import { clearPrivateTemp } from '../../core/tempfiles.js';
import { LanguageChoiceSchema, type Transcript } from '../../shared/transcript.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';

const usage = `
Usage: greffier transcribe <audio> --asr-model <file> [options]

Transcribes a recording with whisper.cpp, offline.

Options:
  --asr-model <file>      whisper.cpp model (ggml .bin) — required
  --lang fr|en|auto       language spoken (default: auto)
  --vad-model <file>      Silero VAD model (ggml): skip silence before transcribing
  --threads <n>           CPU threads for whisper (default: cores up to 4, or GREFFIER_THREADS)
  --prompt <text>         vocabulary hints, e.g. the members' names
  --audio-context <n>     encoder context (1..1500; smaller is faster on short audio)
  --no-fallback           one greedy pass per 30 s window (faster; no retries at higher temperature)
  --json                  print one JSON object { language, durationMs, segments }
  --verbose               show whisper's log on stderr
  -h, --help              show this help

Audio: WAV (PCM or float, any rate and channels, RF64/BW64), MP3, FLAC, Ogg
Vorbis/Opus, WebM Opus, recognised by content (converted to 16 kHz mono in
memory; "greffier import" streams instead). AAC (M4A/MP4) is refused.
Exit codes: 0 success, 1 failure, 2 bad usage.
`;

/** 00:00:01.200 — what clerks see in minutes and subtitles. */
export function formatTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const milli = total % 1000;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(milli, 3)}`;
}

export function formatTranscriptText(transcript: Transcript): string {
  return transcript.segments
    .map((s) => `[${formatTimestamp(s.startMs)} → ${formatTimestamp(s.endMs)}] ${s.text}`)
    .join('\n');
}

export const transcribeCommand: Command = {
  path: ['transcribe'],
  summary: 'transcribe a recording (WAV, MP3, FLAC, Ogg, WebM) with whisper.cpp',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      'asr-model': { type: 'string' },
      lang: { type: 'string' },
      'vad-model': { type: 'string' },
      threads: { type: 'string' },
      prompt: { type: 'string' },
      'audio-context': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'no-fallback': { type: 'boolean' },
    });
    if (positionals.length === 0) {
      throw new UsageError(
        'transcribe needs the path of a WAV file',
        'e.g. greffier transcribe meeting.wav --asr-model ggml-base.bin',
      );
    }
    if (positionals.length > 1) {
      throw new UsageError(
        `transcribe takes one audio file, not ${positionals.length} ("${positionals.join('", "')}")`,
      );
    }
    const model = values['asr-model'];
    if (!model) {
      throw new UsageError(
        'transcribe needs --asr-model <file> (a whisper.cpp model)',
        'give the model file, e.g. --asr-model models/ggml-base.bin, or make a test one with "greffier models synth --out DIR"',
      );
    }
    const lang = LanguageChoiceSchema.safeParse(values.lang ?? 'auto');
    if (!lang.success) {
      throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    }
    const threads = positiveInteger(values.threads, '--threads');
    const audioContext = positiveInteger(values['audio-context'], '--audio-context');
    if (audioContext !== undefined && audioContext > 1500) {
      throw new UsageError(`--audio-context takes 1 to 1500 (30 s of audio), not ${audioContext}`);
    }
    const verbose = !!values.verbose;
    // The machine policy's allow-list holds here too (no vault, so no resolver).
    await checkModelAllowed(model, io.env, io.signal);
    if (values['vad-model']) await checkModelAllowed(values['vad-model'], io.env, io.signal);
    // Leftovers of a crashed run (result pipes in the private folder) go before anything starts.
    clearPrivateTemp(io.env);
    const transcript = await transcribeFile(positionals[0]!, {
      model,
      language: lang.data,
      threads,
      vadModel: values['vad-model'],
      prompt: values.prompt,
      audioContext,
      noFallback: !!values['no-fallback'],
      signal: io.signal,
      env: io.env,
      onLog: verbose ? (line) => writeLine(io.stderr, line) : undefined,
    });
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(transcript));
    } else if (transcript.segments.length > 0) {
      writeLine(io.stdout, formatTranscriptText(transcript));
    } else {
      writeLine(io.stderr, 'greffier: no speech was transcribed');
    }
  },
};
