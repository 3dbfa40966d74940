import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelKindSchema, type ModelKind } from '../../shared/meetings.js';
import { GreffierError } from '../errors.js';
import { resourcesRoot } from '../paths.js';

export const CATALOGUE_FILE_NAME = 'models-catalogue.json';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lower-case hex digits');

/**
 * One model Greffier knows. An entry without a confirmed checksum is listed
 * (so IT sees the recommended choice) but a file cannot match it: it is
 * refused unless trusted explicitly.
 */
export const CatalogueEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
    name: z.string().min(1),
    kind: ModelKindSchema,
    fileName: z.string().min(1),
    sizeBytes: z.number().int().positive().nullable(),
    sha256: Sha256.nullable(),
    sha256Confirmed: z.boolean(),
    checksumSource: z.string().min(1),
    licence: z.string().min(1),
    languages: z.array(z.string().min(1)).min(1),
    ramMB: z.number().int().positive(),
    source: z.url(),
  })
  .refine((e) => !e.sha256Confirmed || (e.sha256 !== null && e.sizeBytes !== null), {
    message: 'an entry with sha256Confirmed must give its sha256 and sizeBytes',
  });
export type CatalogueEntry = z.infer<typeof CatalogueEntrySchema>;

export const ModelCatalogueSchema = z
  .object({
    version: z.literal(1),
    about: z.string().optional(),
    models: z.array(CatalogueEntrySchema),
  })
  .refine((c) => new Set(c.models.map((m) => m.id)).size === c.models.length, {
    message: 'catalogue ids must be unique',
  });
export type ModelCatalogue = z.infer<typeof ModelCatalogueSchema>;

export function cataloguePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resourcesRoot(env), CATALOGUE_FILE_NAME);
}

/** Reads and checks the catalogue shipped in resources/ (or the file given). */
export function loadCatalogue(path = cataloguePath()): ModelCatalogue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new GreffierError(
      'catalogue-missing',
      `the model catalogue ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { hint: 'reinstall Greffier: the catalogue ships in its resources folder', cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GreffierError('catalogue-invalid', `the model catalogue ${path} is not valid JSON`, {
      hint: 'reinstall Greffier or restore resources/models-catalogue.json',
      cause: error,
    });
  }
  const parsed = ModelCatalogueSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GreffierError(
      'catalogue-invalid',
      `the model catalogue ${path} is invalid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(),
      { hint: 'reinstall Greffier or restore resources/models-catalogue.json' },
    );
  }
  return parsed.data;
}

/** The confirmed entry with this checksum, if any: the only way a file matches the catalogue. */
export function entryBySha256(
  catalogue: ModelCatalogue,
  sha256: string,
): CatalogueEntry | undefined {
  return catalogue.models.find((m) => m.sha256Confirmed && m.sha256 === sha256);
}

export function entryByFileName(
  catalogue: ModelCatalogue,
  fileName: string,
): CatalogueEntry | undefined {
  const wanted = fileName.toLowerCase();
  return catalogue.models.find((m) => m.fileName.toLowerCase() === wanted);
}

export function entriesOfKind(catalogue: ModelCatalogue, kind: ModelKind): CatalogueEntry[] {
  return catalogue.models.filter((m) => m.kind === kind);
}
