import { existsSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { askQuestion } from '../../core/answers/ask.js';
import { readWhisperSamples } from '../../core/audio/index.js';
import { ModelHost } from '../../core/llm/host.js';
import { clearPrivateTemp } from '../../core/tempfiles.js';
import { cliModelSource } from '../model-flags.js';
import type { Answer } from '../../shared/minutes.js';
import { LanguageChoiceSchema } from '../../shared/transcript.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';
import { filterOptions, modelOptions, searchFilter } from './search.js';
import { withOpenVault } from '../vault-session.js';
import { formatTimestamp } from './transcribe.js';

const usage = `
Usage: greffier ask "<question>" [options]
       greffier ask --audio question.wav [options]

Answers a question from the recorded meetings with the local model. The
answer cites the segments it rests on (meeting, time, speaker, words); every
citation is checked against the stored transcript, and an answer left
without a verified citation says so: "not found in the recorded meetings".

Options:
  --audio <file>            a spoken question (WAV, MP3, FLAC, Ogg, WebM), transcribed with whisper.cpp
  --lang fr|en|auto         language of the spoken question (default: auto)
  --asr-model <file>        whisper.cpp model for --audio (default: the vault's)
  --llm-model <file>        GGUF language model (default: the vault's)
  --embedding-model <file>  embedding GGUF (default: the vault's, if any)
  --passages <n>            passages given to the model (default 6)
  --meeting <id>            only this meeting (repeatable)
  --speaker <name>          only what this speaker said (repeatable)
  --from / --to YYYY-MM-DD  meetings in this period
  --threads <n>             CPU threads (default: cores up to 4, or GREFFIER_THREADS)
  --context <n>             context size in tokens
  --json                    print the answer as JSON
  --passphrase-file <file>  file holding the vault passphrase
  -h, --help                show this help
`;

function formatAnswer(answer: Answer, titles: Map<string, string>): string {
  const lines: string[] = [];
  if (answer.transcribedFrom !== undefined) {
    lines.push(
      `${answer.language === 'fr' ? 'Question entendue' : 'Question heard'}: ${answer.transcribedFrom}`,
      '',
    );
  }
  lines.push(answer.answer);
  if (answer.citations.length > 0) lines.push('');
  answer.citations.forEach((c, i) => {
    const where = [
      titles.get(c.meetingId) ?? c.meetingId,
      formatTimestamp(c.startMs).slice(0, 8),
      c.speaker,
    ]
      .filter(Boolean)
      .join(' · ');
    lines.push(`[${i + 1}] ${where}: « ${c.quote} »`);
  });
  return lines.join('\n');
}

export const askCommand: Command = {
  path: ['ask'],
  summary: 'answer a question (typed or spoken) from the recorded meetings',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...modelOptions,
      ...filterOptions,
      audio: { type: 'string' },
      lang: { type: 'string' },
      'asr-model': { type: 'string' },
      passages: { type: 'string' },
      json: { type: 'boolean' },
      'passphrase-file': { type: 'string' },
    });
    const question = positionals.join(' ').trim();
    const audio = values.audio;
    if (!question && !audio) {
      throw new UsageError(
        'ask needs a question, or --audio FILE',
        'e.g. greffier ask "Qu\'a décidé le conseil sur la cantine ?"',
      );
    }
    if (question && audio) {
      throw new UsageError('ask takes a typed question or --audio, not both');
    }
    if (audio && !existsSync(audio)) {
      throw new UsageError(
        `the audio file ${audio} does not exist`,
        'give the path of a WAV recording',
      );
    }
    const lang = LanguageChoiceSchema.safeParse(values.lang ?? 'auto');
    if (!lang.success) throw new UsageError(`--lang takes fr, en or auto, not "${values.lang}"`);
    const passages = positiveInteger(values.passages, '--passages');
    if (passages !== undefined && passages > 20)
      throw new UsageError('--passages takes at most 20');
    const filter = searchFilter(values);
    // Plaintext audio left by a crashed run goes before any new is written.
    if (audio) clearPrivateTemp(io.env);

    const threads = positiveInteger(values.threads, '--threads');
    const contextSize = positiveInteger(values.context, '--context');
    // Any format an import reads (WAV, MP3, FLAC, Ogg, WebM), checked before the vault is opened.
    const samples = audio
      ? await readWhisperSamples(audio, {
          onWarning: (w) => writeLine(io.stderr, `greffier: warning: ${w.message}`),
        })
      : undefined;
    const { answer, titles } = await withOpenVault(io, values['passphrase-file'], async (open) => {
      const host = new ModelHost();
      try {
        const answer = await askQuestion(
          {
            ...(samples ? { audio: samples } : { text: question }),
            language: lang.data,
            filter,
            ...(passages ? { passages } : {}),
          },
          {
            open,
            models: cliModelSource(open, values, io.env),
            host,
            ...(threads ? { threads } : {}),
            ...(contextSize ? { contextSize } : {}),
            env: io.env,
            signal: io.signal,
          },
        );
        const titles = new Map(
          answer.citations.map((c) => [c.meetingId, open.meetings.getMeeting(c.meetingId).title]),
        );
        return { answer, titles };
      } finally {
        await host.close();
      }
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(answer, null, 2));
    else writeLine(io.stdout, formatAnswer(answer, titles));
  },
};
