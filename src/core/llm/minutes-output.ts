import { z } from 'zod';
import { GreffierError } from '../errors.js';

/**
 * The shape the model writes notes and minutes in: JSON schemas bounded in
 * characters and items (so generation always ends in valid JSON, and the
 * budget knows the most a reply can cost), the reply's parsing, and the
 * cleaning that keeps only citations of real segments.
 */

/** Characters per string field and items per list: small, so outputs (and CPU time) stay short. */
const LENGTH = {
  title: 80,
  overview: 300,
  item: 100,
  owner: 40,
  due: 30,
  topic: 40,
  intervention: 120,
  summary: 200,
} as const;

export const DEFAULT_LIMITS = {
  decisions: 4,
  actionItems: 4,
  openQuestions: 2,
  topics: 4,
  interventions: 4,
} as const;

export type Limits = { [K in keyof typeof DEFAULT_LIMITS]: number };

/**
 * A bounded string of N characters costs about N/3 tokens at most with the
 * word-level vocabularies of real (and generated) models (the cap only guards
 * against a runaway; the schema bounds end generation well before).
 */
const CHARS_PER_TOKEN_FLOOR = 3;

function idsSchema(ids: string[], maxItems: number) {
  return ids.length > 0
    ? { type: 'array', minItems: 1, maxItems, items: { enum: ids } }
    : { type: 'array', maxItems: 0, items: { type: 'string', maxLength: 1 } };
}

function speakerSchema(speakers: string[]) {
  return speakers.length > 0 ? { enum: speakers } : { type: 'string', maxLength: LENGTH.owner };
}

function str(maxLength: number) {
  return { type: 'string', maxLength };
}

/** The shape of notes and of final minutes alike; the final adds title and overview. */
export function outputSchema(ids: string[], speakers: string[], limits: Limits, final: boolean) {
  const body: Record<string, unknown> = {
    ...(final
      ? { title: str(LENGTH.title), overview: str(LENGTH.overview) }
      : { summary: str(LENGTH.summary) }),
    decisions: {
      type: 'array',
      maxItems: limits.decisions,
      items: {
        type: 'object',
        properties: { text: str(LENGTH.item), segmentIds: idsSchema(ids, 3) },
        required: ['text', 'segmentIds'],
      },
    },
    actionItems: {
      type: 'array',
      maxItems: limits.actionItems,
      items: {
        type: 'object',
        properties: {
          owner: str(LENGTH.owner),
          task: str(LENGTH.item),
          due: str(LENGTH.due),
          segmentIds: idsSchema(ids, 3),
        },
        required: ['owner', 'task', 'due', 'segmentIds'],
      },
    },
    openQuestions: { type: 'array', maxItems: limits.openQuestions, items: str(LENGTH.item) },
    topics: { type: 'array', maxItems: limits.topics, items: str(LENGTH.topic) },
    interventions: {
      type: 'array',
      maxItems: Math.max(
        1,
        Math.min(limits.interventions, speakers.length || limits.interventions),
      ),
      items: {
        type: 'object',
        properties: { speaker: speakerSchema(speakers), summary: str(LENGTH.intervention) },
        required: ['speaker', 'summary'],
      },
    },
  };
  return { type: 'object', properties: body, required: Object.keys(body) };
}

/** Upper bound of characters the schema lets the model write, structure included. */
function schemaCharBudget(limits: Limits, speakers: number, final: boolean): number {
  const ids = 3 * 12;
  const interventions = Math.max(
    1,
    Math.min(limits.interventions, speakers || limits.interventions),
  );
  return (
    120 +
    (final ? LENGTH.title + LENGTH.overview : LENGTH.summary) +
    limits.decisions * (LENGTH.item + ids + 30) +
    limits.actionItems * (LENGTH.owner + LENGTH.item + LENGTH.due + ids + 50) +
    limits.openQuestions * (LENGTH.item + 4) +
    limits.topics * (LENGTH.topic + 4) +
    interventions * (LENGTH.intervention + LENGTH.owner + 30)
  );
}

export function outputTokenBudget(limits: Limits, speakers: number, final: boolean): number {
  return Math.ceil(schemaCharBudget(limits, speakers, final) / CHARS_PER_TOKEN_FLOOR);
}

const RawOutputSchema = z.object({
  title: z.string().optional(),
  overview: z.string().optional(),
  summary: z.string().optional(),
  decisions: z.array(z.object({ text: z.string(), segmentIds: z.array(z.string()) })),
  actionItems: z.array(
    z.object({
      owner: z.string(),
      task: z.string(),
      due: z.string(),
      segmentIds: z.array(z.string()),
    }),
  ),
  openQuestions: z.array(z.string()),
  topics: z.array(z.string()),
  interventions: z.array(z.object({ speaker: z.string(), summary: z.string() })),
});
export type RawOutput = z.infer<typeof RawOutputSchema>;

export function parseOutput(text: string, outputTokens: number, maxTokens: number): RawOutput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GreffierError(
      'minutes-cut',
      outputTokens >= maxTokens
        ? `the model's output was cut at ${maxTokens} tokens before the minutes were complete`
        : 'the model wrote minutes that are not valid JSON',
      { hint: 'choose a model with a larger context, or a shorter template', cause: error },
    );
  }
  const parsed = RawOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new GreffierError('minutes-shape', 'the model wrote minutes of the wrong shape', {
      hint: 'this is a bug in the minutes schema; report it with the model name',
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * Trims, drops empty items and every segment id that is not in the
 * transcript: a model (or a prompt injection) cannot make minutes cite a
 * segment that does not exist, and every decision and action kept cites one.
 */
export function clean(raw: RawOutput, known: Set<string>) {
  const ids = (list: string[]) => uniq(list.filter((id) => known.has(id)));
  const text = (s: string) => s.replace(/\s+/g, ' ').trim();
  return {
    summary: text(raw.summary ?? ''),
    decisions: raw.decisions
      .map((d) => ({ text: text(d.text), segmentIds: ids(d.segmentIds) }))
      // A decision that cites no real segment cannot be checked: it is not kept.
      .filter((d) => d.text && d.segmentIds.length > 0),
    actionItems: raw.actionItems
      .map((a) => ({
        owner: text(a.owner),
        task: text(a.task),
        due: text(a.due),
        segmentIds: ids(a.segmentIds),
      }))
      .filter((a) => a.task && a.segmentIds.length > 0),
    openQuestions: raw.openQuestions.map(text).filter(Boolean),
    topics: raw.topics.map(text).filter(Boolean),
    interventions: raw.interventions
      .map((i) => ({ speaker: text(i.speaker), summary: text(i.summary) }))
      .filter((i) => i.speaker && i.summary),
  };
}

export function uniq<T>(list: T[]): T[] {
  return [...new Set(list)];
}
