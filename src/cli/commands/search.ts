import { UsageError } from '../../core/errors.js';
import { ModelHost } from '../../core/llm/host.js';
import type { ModelRef } from '../../core/llm/protocol.js';
import type { OpenVault } from '../../core/meetings/index.js';
import { currentIndex, embedMissing } from '../../core/search/store.js';
import type { SearchFilter, SearchHit } from '../../shared/minutes.js';
import { parseCommandArgs, positiveInteger, writeLine, type Command } from '../command.js';
import { cliModelSource } from '../model-flags.js';
import { withOpenVault } from '../vault-session.js';
import { formatTimestamp } from './transcribe.js';
import { defaultThreads } from '../../core/threads.js';

export const modelOptions = {
  'llm-model': { type: 'string' },
  'embedding-model': { type: 'string' },
  threads: { type: 'string' },
  context: { type: 'string' },
} as const;

interface ModelValues {
  'llm-model'?: string | undefined;
  'embedding-model'?: string | undefined;
  threads?: string | undefined;
  context?: string | undefined;
}

/** The language model: --llm-model, else the vault's default, through the model resolver. */
export async function languageModel(
  open: OpenVault,
  values: ModelValues,
  env?: NodeJS.ProcessEnv,
): Promise<ModelRef> {
  const threads = positiveInteger(values.threads, '--threads') ?? defaultThreads();
  const contextSize = positiveInteger(values.context, '--context');
  const path = await cliModelSource(open, values, env).require('llm');
  return { path, threads, ...(contextSize ? { contextSize } : {}) };
}

/** The embedding model when one is given or installed; search stays lexical without it. */
export async function embeddingModel(
  open: OpenVault,
  values: ModelValues,
  env?: NodeJS.ProcessEnv,
): Promise<ModelRef | undefined> {
  const threads = positiveInteger(values.threads, '--threads') ?? defaultThreads();
  const path = await cliModelSource(open, values, env).resolve('embedding');
  return path ? { path, threads } : undefined;
}

export const filterOptions = {
  meeting: { type: 'string', multiple: true },
  speaker: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
} as const;

export function searchFilter(values: {
  meeting?: string[] | undefined;
  speaker?: string[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: string | undefined;
}): SearchFilter {
  for (const flag of ['from', 'to'] as const) {
    const value = values[flag];
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      throw new UsageError(`--${flag} takes a date as YYYY-MM-DD, not "${value}"`);
    }
  }
  const limit = positiveInteger(values.limit, '--limit');
  if (limit !== undefined && limit > 200) throw new UsageError('--limit takes at most 200');
  return {
    ...(values.meeting ? { meetingIds: values.meeting } : {}),
    ...(values.speaker ? { speakers: values.speaker } : {}),
    ...(values.from ? { from: values.from } : {}),
    ...(values.to ? { to: values.to } : {}),
    ...(limit ? { limit } : {}),
  };
}

export function hitLine(hit: SearchHit): string {
  const where = [
    hit.meetingTitle ?? hit.meetingId,
    hit.meetingDate?.slice(0, 10),
    formatTimestamp(hit.startMs).slice(0, 8),
    hit.speaker,
  ]
    .filter(Boolean)
    .join(' · ');
  return `${where}\n  ${hit.kind === 'minutes' ? '[minutes] ' : ''}${hit.text}`;
}

const usage = `
Usage: greffier search "<query>" [options]

Searches every recorded meeting (segments and minutes): BM25 with French and
English stemming and accent folding, fused with embedding vectors when an
embedding model is installed. The index is kept encrypted in the vault and
brought up to date before each search.

Options:
  --meeting <id>            only this meeting (repeatable)
  --speaker <name>          only what this speaker said (repeatable)
  --from YYYY-MM-DD         meetings from this date
  --to YYYY-MM-DD           meetings up to this date
  --limit <n>               results (default 10, at most 200)
  --reindex                 rebuild the index from the vault
  --embedding-model <file>  embedding GGUF (default: the vault's, if any)
  --threads <n>             CPU threads for the embedding model (default: cores up to 4)
  --json                    print the hits as JSON
  ${'--passphrase-file <file>'.padEnd(24)}  file holding the vault passphrase
  -h, --help                show this help
`;

export const searchCommand: Command = {
  path: ['search'],
  summary: 'search the recorded meetings',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...filterOptions,
      ...modelOptions,
      reindex: { type: 'boolean' },
      json: { type: 'boolean' },
      'passphrase-file': { type: 'string' },
    });
    const query = positionals.join(' ').trim();
    if (!query) {
      throw new UsageError('search needs a query', 'e.g. greffier search "budget primitif"');
    }
    const filter = searchFilter(values);
    const hits = await withOpenVault(io, values['passphrase-file'], async (open) => {
      const index = await currentIndex(open, { rebuild: values.reindex === true });
      const embedder = await embeddingModel(open, values, io.env);
      if (!embedder) return index.search({ text: query }, filter);
      const host = new ModelHost();
      try {
        await embedMissing(
          open,
          index,
          (texts, signal) => host.embed(embedder, texts, signal ? { signal } : {}),
          io.signal,
        );
        const [vector] = await host.embed(embedder, [query], { signal: io.signal });
        return index.search(
          { text: query, ...(vector ? { vector: Float32Array.from(vector) } : {}) },
          filter,
        );
      } finally {
        await host.close();
      }
    });
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(hits, null, 2));
      return;
    }
    if (hits.length === 0) {
      writeLine(io.stdout, `No passage matches "${query}".`);
      return;
    }
    for (const hit of hits) writeLine(io.stdout, hitLine(hit));
  },
};
