import { z } from 'zod';
import { GreffierError } from '../errors.js';
import { listTemplates, loadTemplate } from '../llm/prompts.js';
import type { Vault } from '../vault/vault.js';
import { MinutesTemplateSchema, type MinutesTemplate } from '../../shared/minutes.js';
import { audit, recordHooks, type RecordHooks } from './hooks.js';

/**
 * Minutes templates the clerk owns: copies of the built-in ones (which stay
 * read-only in resources/templates), edited and saved sealed in the vault.
 * A template may carry a retention rule, which the retention rules read.
 */
const TEMPLATES_BLOB = 'minutes-templates';
const StoredSchema = z.object({
  schemaVersion: z.literal(1),
  templates: z.array(MinutesTemplateSchema),
});

export interface TemplateEntry {
  template: MinutesTemplate;
  builtIn: boolean;
}

async function stored(vault: Vault): Promise<MinutesTemplate[]> {
  const bytes = await vault.readBlob(TEMPLATES_BLOB);
  return bytes ? StoredSchema.parse(JSON.parse(bytes.toString('utf8'))).templates : [];
}

/** Checks a template, naming the first field that is wrong. */
export function checkTemplate(value: unknown): MinutesTemplate {
  const parsed = MinutesTemplateSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'template';
    const extra =
      issue?.code === 'unrecognized_keys'
        ? ` (${issue.keys.join(', ')} is not a template field)`
        : '';
    throw new GreffierError(
      'template-invalid',
      `the template is not valid: field "${field}": ${issue?.message}${extra}`,
      {
        hint: `fix "${field}" (see "greffier templates show general" for a valid template)`,
        exitCode: 2,
      },
    );
  }
  return parsed.data;
}

export async function listAllTemplates(vault: Vault): Promise<TemplateEntry[]> {
  const builtIn = listTemplates().map((id) => ({ template: loadTemplate(id), builtIn: true }));
  const own = (await stored(vault)).map((template) => ({ template, builtIn: false }));
  return [...builtIn, ...own];
}

/** A template by id: the vault's own first, then the built-in ones (or a JSON file's path). */
export async function resolveTemplate(
  vault: Vault,
  idOrFile = 'general',
): Promise<MinutesTemplate> {
  const own = (await stored(vault)).find((t) => t.id === idOrFile);
  return own ?? loadTemplate(idOrFile);
}

export class Templates {
  readonly hooks: RecordHooks;

  constructor(
    private readonly vault: Vault,
    hooks?: RecordHooks,
  ) {
    this.hooks = hooks ?? recordHooks(vault);
  }

  list(): Promise<TemplateEntry[]> {
    return listAllTemplates(this.vault);
  }

  get(id: string): Promise<MinutesTemplate> {
    return resolveTemplate(this.vault, id);
  }

  /** Saves (adds or replaces) one of the vault's templates; built-in ids are refused. */
  async save(value: unknown): Promise<MinutesTemplate> {
    const template = checkTemplate(value);
    if (listTemplates().includes(template.id)) {
      throw new GreffierError(
        'template-builtin',
        `"${template.id}" is a built-in template, which cannot be changed`,
        { hint: 'copy it under another id and edit the copy', exitCode: 2 },
      );
    }
    const templates = (await stored(this.vault)).filter((t) => t.id !== template.id);
    templates.push(template);
    await this.vault.writeBlob(
      TEMPLATES_BLOB,
      Buffer.from(JSON.stringify({ schemaVersion: 1, templates })),
    );
    await audit(this.hooks, 'template.saved', undefined, { templateId: template.id });
    return template;
  }

  /** A copy of any template under a new id, saved in the vault, ready to edit. */
  async copy(fromId: string, newId: string): Promise<MinutesTemplate> {
    const source = await this.get(fromId);
    if ((await this.list()).some((e) => e.template.id === newId)) {
      throw new GreffierError('template-exists', `there is already a template "${newId}"`, {
        hint: 'choose another id for the copy',
        exitCode: 2,
      });
    }
    return this.save({ ...structuredClone(source), id: newId });
  }

  async remove(id: string): Promise<void> {
    const templates = await stored(this.vault);
    if (!templates.some((t) => t.id === id)) {
      throw new GreffierError('template-unknown', `the vault has no template "${id}" of its own`, {
        hint: 'built-in templates cannot be removed; see "greffier templates list"',
        exitCode: 2,
      });
    }
    await this.vault.writeBlob(
      TEMPLATES_BLOB,
      Buffer.from(
        JSON.stringify({ schemaVersion: 1, templates: templates.filter((t) => t.id !== id) }),
      ),
    );
    await audit(this.hooks, 'template.removed', undefined, { templateId: id });
  }
}
