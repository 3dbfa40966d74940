import { basename } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { ModelHost } from '../../core/llm/host.js';
import { summarizeMeeting } from '../../core/pipeline/minutes.js';
import { updateIndex } from '../../core/pipeline/pipeline.js';
import { cliModelSource } from '../model-flags.js';
import { listTemplates } from '../../core/llm/prompts.js';
import { resolveTemplate } from '../../core/record/templates.js';
import { refuseIfLocked } from '../../core/meetings/locks.js';
import type { Minutes } from '../../shared/minutes.js';
import { parseCommandArgs, writeLine, type Command } from '../command.js';
import { languageModel, modelOptions } from './search.js';
import { withOpenVault } from '../vault-session.js';
import { formatTimestamp } from './transcribe.js';

const usage = `
Usage: greffier summarize <meeting-id> [options]

Writes the minutes of a transcribed meeting with the local language model
(title, overview, decisions, action items, open questions, topics, and a
summary per speaker), stores them encrypted in the vault and indexes them.
Every decision and action item cites the transcript segments it comes from.
The minutes are in the meeting's language.

Options:
  --template <id|file>      ${listTemplates().join(', ') || 'general'} (default: general),
                            or the path of a template JSON you copied and edited
  --llm-model <file>        GGUF language model (default: the vault's)
  --threads <n>             CPU threads (default: cores up to 4, or GREFFIER_THREADS)
  --context <n>             context size in tokens (default: the model's, at most 4096)
  --json                    print the minutes as JSON
  --passphrase-file <file>  file holding the vault passphrase
  -h, --help                show this help
`;

export function formatMinutes(minutes: Minutes, at: (segmentId: string) => string): string {
  const fr = minutes.language === 'fr';
  const cite = (ids: string[]) => (ids.length ? ` [${ids.map(at).join(', ')}]` : '');
  const lines = [`# ${minutes.title}`, '', minutes.overview, ''];
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`## ${title}`, ...items.map((i) => `- ${i}`), '');
  };
  section(
    fr ? 'Décisions' : 'Decisions',
    minutes.decisions.map((d) => `${d.text}${cite(d.segmentIds)}`),
  );
  section(
    fr ? 'Actions' : 'Action items',
    minutes.actionItems.map(
      (a) =>
        `${a.owner ? `${a.owner} : ` : ''}${a.task}${a.due ? ` (${a.due})` : ''}${cite(a.segmentIds)}`,
    ),
  );
  section(fr ? 'Questions ouvertes' : 'Open questions', minutes.openQuestions);
  section(fr ? 'Thèmes' : 'Topics', minutes.topics);
  section(
    fr ? 'Interventions' : 'Interventions',
    minutes.interventions.map((i) => `${i.speaker} : ${i.summary}`),
  );
  return lines.join('\n').trimEnd();
}

export const summarizeCommand: Command = {
  path: ['summarize'],
  summary: 'write the minutes of a meeting with the local model',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...modelOptions,
      template: { type: 'string' },
      json: { type: 'boolean' },
      'passphrase-file': { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new UsageError(
        `summarize takes one meeting id${positionals.length ? `, not ${positionals.length}` : ''}`,
        'e.g. greffier summarize m0123abcd — see "greffier list"',
      );
    }
    const meetingId = positionals[0]!;
    const { minutes, segmentTimes } = await withOpenVault(
      io,
      values['passphrase-file'],
      async (open) => {
        // The vault's own templates first (greffier templates), then the built-in ones.
        const template = await resolveTemplate(open.vault, values.template ?? 'general');
        // Said before any model loads: submitted or approved minutes are not rewritten.
        refuseIfLocked(open.meetings.getMeeting(meetingId));
        const model = await languageModel(open, values, io.env);
        const host = new ModelHost();
        try {
          const result = await summarizeMeeting(open, meetingId, {
            host,
            model,
            template,
            signal: io.signal,
          });
          // The same index step as the pipeline's: the minutes become searchable at once.
          await updateIndex(
            open,
            {
              models: cliModelSource(open, values, io.env),
              host: () => host,
              threads: model.threads,
            },
            io.signal,
          );
          return result;
        } finally {
          await host.close();
        }
      },
    );
    writeLine(
      io.stderr,
      `greffier: minutes of ${meetingId} saved (${minutes.method.chunks} chunk(s), model ${basename(minutes.model)})`,
    );
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(minutes, null, 2));
      return;
    }
    writeLine(
      io.stdout,
      formatMinutes(minutes, (id) => formatTimestamp(segmentTimes.get(id) ?? 0).slice(0, 8)),
    );
  },
};
