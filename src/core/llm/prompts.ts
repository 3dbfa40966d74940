import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import { resourcesRoot } from '../paths.js';
import { MinutesTemplateSchema, type MinutesTemplate } from '../../shared/minutes.js';
import type { Language } from '../../shared/transcript.js';

/**
 * Prompts and minutes templates are data in resources/ so a clerk or IT can
 * read and adapt them without touching code.
 */

const PromptsSchema = z.object({
  system: z.string().min(1),
  chunk: z.string().min(1),
  merge: z.string().min(1),
  single: z.string().min(1),
  dataOpen: z.string().min(1),
  dataClose: z.string().min(1),
  notesLabel: z.string().min(1),
  transcriptLabel: z.string().min(1),
  answerSystem: z.string().min(1),
  answerUser: z.string().min(1),
});
export type Prompts = z.infer<typeof PromptsSchema>;

const promptCache = new Map<Language, Prompts>();

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GreffierError('resource-unreadable', `the ${what} ${file} cannot be read`, {
      hint: 'fix the JSON or restore the file from the installer',
      cause: error,
    });
  }
}

export function loadPrompts(language: Language): Prompts {
  const cached = promptCache.get(language);
  if (cached) return cached;
  const file = join(resourcesRoot(), 'prompts', `${language}.json`);
  const parsed = PromptsSchema.safeParse(readJson(file, 'prompt file'));
  if (!parsed.success) {
    throw new GreffierError('resource-invalid', `the prompt file ${file} is incomplete`, {
      hint: `restore it from the installer (${parsed.error.issues[0]?.path.join('.')} is wrong)`,
    });
  }
  promptCache.set(language, parsed.data);
  return parsed.data;
}

export function templatesDir(): string {
  return join(resourcesRoot(), 'templates');
}

export function listTemplates(): string[] {
  if (!existsSync(templatesDir())) return [];
  return readdirSync(templatesDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * A template by id (resources/templates/<id>.json) or by the path of a JSON
 * file the user copied and edited.
 */
export function loadTemplate(idOrFile = 'general'): MinutesTemplate {
  const isFile = idOrFile.endsWith('.json') || idOrFile.includes('/') || idOrFile.includes('\\');
  const file = isFile ? idOrFile : join(templatesDir(), `${idOrFile}.json`);
  if (!existsSync(file)) {
    throw new GreffierError('template-unknown', `there is no minutes template "${idOrFile}"`, {
      hint: `use one of: ${listTemplates().join(', ')} — or the path of a template JSON file`,
      exitCode: 2,
    });
  }
  const parsed = MinutesTemplateSchema.safeParse(readJson(file, 'minutes template'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'template-invalid',
      `the minutes template ${file} is not valid: ${issue?.path.join('.') || 'file'}: ${issue?.message}`,
      { hint: `copy one of resources/templates/*.json and edit its texts`, exitCode: 2 },
    );
  }
  return parsed.data;
}

/** Replaces {{name}} placeholders. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) =>
    key in values ? String(values[key]) : whole,
  );
}

// One JSON value per line, markers escaped: lives in text/ so the meetings can rewrite notes too.
export { jsonLine } from '../text/json-line.js';

export function dataBlock(prompts: Prompts, lines: string[]): string {
  return [prompts.dataOpen, ...lines, prompts.dataClose].join('\n');
}
