import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { z } from 'zod';
import { GreffierError } from '../errors.js';
import {
  DEFAULT_SETTINGS,
  JobSchema,
  MeetingSchema,
  SettingsSchema,
  type Job,
  type Meeting,
  type Settings,
} from '../../shared/meetings.js';
import { AuthenticationError, open, seal } from './crypto.js';
import {
  backupPath,
  fsyncDir,
  readIfExists,
  replaceBackupWithCurrent,
  writeDurable,
} from './durable.js';

export const CATALOGUE_FILE = 'catalogue.db';
export const CATALOGUE_SCHEMA_VERSION = 1;
const MAGIC = Buffer.from('GRFCAT01');
const AAD = `greffier:catalogue:v${CATALOGUE_SCHEMA_VERSION}`;

/** A meeting as stored: the public record plus its data key wrapped by the master key. */
export const MeetingRecordSchema = MeetingSchema.extend({ wrappedKey: z.string().min(1) });
export type MeetingRecord = z.infer<typeof MeetingRecordSchema>;

export const CatalogueSchema = z.object({
  schemaVersion: z.literal(CATALOGUE_SCHEMA_VERSION),
  meetings: z.record(z.string(), MeetingRecordSchema),
  jobs: z.array(JobSchema),
  settings: SettingsSchema,
  /**
   * Remembered voices (issue 13): who, the consent recorded, and the key of
   * the sealed voiceprint file. The key lives only here, so removing the
   * entry (see Vault.forgetSealed) crypto-shreds the voiceprint.
   */
  voices: z
    .record(
      z.string(),
      z.object({
        id: z.string().min(1),
        name: z.string().min(1).max(200),
        consent: z.object({ at: z.string(), by: z.string().max(200), note: z.string().max(500) }),
        key: z.string().min(1),
        model: z.string().regex(/^[0-9a-f]{64}$/),
        createdAt: z.string(),
      }),
    )
    .optional(),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

export function emptyCatalogue(): Catalogue {
  return {
    schemaVersion: CATALOGUE_SCHEMA_VERSION,
    meetings: {},
    jobs: [],
    settings: structuredClone(DEFAULT_SETTINGS),
  };
}

export function cataloguePath(dir: string): string {
  return join(dir, CATALOGUE_FILE);
}

function damaged(dir: string, what: string, backupGood: boolean): GreffierError {
  return new GreffierError(
    'catalogue-damaged',
    `the vault catalogue ${cataloguePath(dir)} ${what}`,
    {
      hint: backupGood
        ? 'run "greffier vault restore-backup" to go back to the previous saved version (the damaged file is kept aside, nothing is deleted)'
        : 'both the catalogue and its backup are unreadable: restore the vault folder from a backup copy',
    },
  );
}

/**
 * lowdb adapter: the catalogue is one AES-GCM record (magic ‖ nonce ‖
 * ciphertext ‖ tag). lowdb's own DataFile goes through steno, which never
 * fsyncs and keeps no backup, so this adapter writes through writeDurable.
 */
export class EncryptedCatalogueFile implements Adapter<Catalogue> {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly key: () => Buffer,
  ) {}

  encode(data: Catalogue): Buffer {
    return Buffer.concat([MAGIC, seal(this.key(), Buffer.from(JSON.stringify(data)), AAD)]);
  }

  decode(bytes: Buffer): Catalogue {
    if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new AuthenticationError();
    }
    const plain = open(this.key(), bytes.subarray(MAGIC.length), AAD);
    try {
      return CatalogueSchema.parse(JSON.parse(plain.toString('utf8')));
    } finally {
      plain.fill(0);
    }
  }

  #tryDecode(bytes: Buffer | null): Catalogue | undefined {
    if (!bytes) return undefined;
    try {
      return this.decode(bytes);
    } catch {
      return undefined;
    }
  }

  async read(): Promise<Catalogue | null> {
    const main = await readIfExists(cataloguePath(this.dir));
    const parsed = this.#tryDecode(main);
    if (parsed) return parsed;
    const backup = this.#tryDecode(await readIfExists(backupPath(cataloguePath(this.dir))));
    if (main === null && !backup) return null;
    throw damaged(
      this.dir,
      main === null ? 'is missing' : 'is damaged (it fails authentication)',
      !!backup,
    );
  }

  /** Writes are queued so two saves never share the temp file. */
  write(data: Catalogue): Promise<void> {
    const bytes = this.encode(data);
    const next = this.#queue.then(() =>
      writeDurable(cataloguePath(this.dir), bytes, { backup: true }),
    );
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every queued write has finished (successfully or not). */
  settled(): Promise<void> {
    return this.#queue;
  }

  /** After a crypto-shred: the backup must not keep the destroyed key. */
  async dropOldBackup(): Promise<void> {
    await this.#queue;
    await replaceBackupWithCurrent(cataloguePath(this.dir));
  }

  /** Puts the damaged catalogue aside and makes the backup current again. */
  async restoreBackup(): Promise<string> {
    const file = cataloguePath(this.dir);
    const backup = this.#tryDecode(await readIfExists(backupPath(file)));
    if (!backup) throw damaged(this.dir, 'has no readable backup', false);
    const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    if ((await readIfExists(file)) !== null) await rename(file, aside);
    await writeDurable(file, this.encode(backup));
    await fsyncDir(this.dir);
    return aside;
  }
}

export type CatalogueDb = Low<Catalogue>;

export async function openCatalogue(
  dir: string,
  key: () => Buffer,
  options: { create?: boolean } = {},
): Promise<{ db: CatalogueDb; file: EncryptedCatalogueFile }> {
  const file = new EncryptedCatalogueFile(dir, key);
  const db = new Low<Catalogue>(file, emptyCatalogue());
  const data = await file.read();
  if (data) db.data = data;
  else if (options.create) await db.write();
  else throw damaged(dir, 'is missing', false);
  return { db, file };
}

export function publicMeeting(record: MeetingRecord): Meeting {
  const { wrappedKey: _key, ...meeting } = record;
  return meeting;
}

export type { Job, Settings };
