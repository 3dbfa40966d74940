import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { SettingsSchema, type Settings, type VaultStatus } from '../../shared/meetings.js';
import type { UiLocale } from '../../shared/api.js';
import { assessPassphrase } from '../../shared/passphrase.js';
import {
  cataloguePath,
  openCatalogue,
  type Catalogue,
  type CatalogueDb,
  EncryptedCatalogueFile,
} from './catalogue.js';
import { newKey, subkey, unwrapKey, wrapKey, zero } from './crypto.js';
import { backupPath, fsyncDir, removeStaleTemps } from './durable.js';
import { finishRekey, hasStagedRekey, stageRekey } from './rekey.js';
import { finishRotation, stageRotation } from './rotate.js';
import {
  createHeader,
  readHeader,
  rewrapHeader,
  syncHeaderBackup,
  unwrapMasterKey,
  type VaultHeader,
} from './header.js';
import { acquireFolderLock, folderLockHolder, type FolderLock } from './lock.js';
import { VaultFiles } from './sealed-files.js';
import {
  recoverInterrupted,
  removeOldMasterCopies,
  restoreSealedFiles,
  type RecoveryReport,
} from './recovery.js';

/** Meeting ids name folders: letters, digits, dash and underscore, never first ("__proto__" is no id). */
export const MEETING_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface KdfCost {
  N: number;
  r: number;
  p: number;
}

export interface OpenOptions {
  /** Overrides the auto-lock setting; 0 disables it (the CLI runs short commands). */
  autoLockMinutes?: number;
}

function vaultLocked(): GreffierError {
  return new GreffierError('vault-locked', 'the vault is locked', {
    hint: 'unlock it with its passphrase to continue',
  });
}

/**
 * The passphrase rule (src/shared/passphrase.ts) as an error: the same
 * words the UI shows, in the caller's language.
 */
export function checkNewPassphrase(
  passphrase: Buffer,
  options: { locale?: UiLocale; minLength?: number } = {},
): void {
  // The estimator needs a string: it lives until collected (threat model, finding 3).
  const verdict = assessPassphrase(passphrase.toString('utf8'), options);
  if (!verdict.ok) {
    // Too short for the machine policy's minimum: its own code, so the refusal names the policy.
    const code = verdict.byPolicy ? 'policy-passphrase-short' : 'weak-passphrase';
    throw new GreffierError(code, verdict.problem!, { hint: verdict.hint });
  }
}

/**
 * An unlocked vault: the master key in memory, the catalogue loaded, the
 * folder locked against other processes. Everything stored goes through
 * here; `lock()` zeroes every key and releases the folder.
 */
export class Vault extends VaultFiles {
  #master: Buffer | undefined;
  #catalogueKey: Buffer | undefined;
  #blobKey: Buffer | undefined;
  #meetingKeys = new Map<string, Buffer>();
  #timer: NodeJS.Timeout | undefined;
  #autoLockMs: number;
  #lockListeners = new Set<(reason: 'manual' | 'idle') => Promise<void> | void>();
  #beforeLock = new Set<() => Promise<void> | void>();
  #header: VaultHeader;

  private constructor(
    readonly dir: string,
    header: VaultHeader,
    master: Buffer,
    private readonly folderLock: FolderLock,
    private db: CatalogueDb | undefined,
    private file: EncryptedCatalogueFile | undefined,
    autoLockMinutes: number,
  ) {
    super();
    this.#header = header;
    this.#master = master;
    this.#catalogueKey = subkey(master, 'catalogue');
    this.#blobKey = subkey(master, 'vault-blobs');
    this.#autoLockMs = autoLockMinutes * 60_000;
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, 'vault.json')) || existsSync(backupPath(join(dir, 'vault.json')));
  }

  /** Creates a vault in `dir` (which may exist but must not hold a vault). */
  static async create(
    dir: string,
    passphrase: Buffer,
    options: OpenOptions & { kdf?: KdfCost; locale?: UiLocale; minLength?: number } = {},
  ): Promise<Vault> {
    if (Vault.exists(dir)) {
      throw new GreffierError('vault-exists', `a vault already exists in ${dir}`, {
        hint: 'open it with its passphrase, or choose another folder with GREFFIER_HOME',
      });
    }
    if (existsSync(cataloguePath(dir)) || existsSync(backupPath(cataloguePath(dir)))) {
      throw new GreffierError(
        'vault-header-missing',
        `${dir} holds a vault catalogue but no vault header (vault.json)`,
        {
          hint: 'restore vault.json from a backup copy of the folder; a new vault here would make the old data unreadable for good',
        },
      );
    }
    checkNewPassphrase(passphrase, {
      ...(options.locale ? { locale: options.locale } : {}),
      ...(options.minLength ? { minLength: options.minLength } : {}),
    });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = acquireFolderLock(dir);
    const master = newKey();
    let vault: Vault | undefined;
    try {
      const header = await createHeader(dir, passphrase, master, options.kdf);
      vault = new Vault(dir, header, master, lock, undefined, undefined, 0);
      const created = vault;
      const { db, file } = await openCatalogue(dir, () => created.#key('catalogue'), {
        create: true,
      });
      vault.db = db;
      vault.file = file;
      vault.#autoLockMs = (options.autoLockMinutes ?? db.data.settings.autoLockMinutes) * 60_000;
      vault.touch();
      return vault;
    } catch (error) {
      if (vault) vault.#wipe();
      zero(master);
      lock.release();
      throw error;
    }
  }

  static async open(dir: string, passphrase: Buffer, options: OpenOptions = {}): Promise<Vault> {
    const header = await readHeader(dir);
    if (!header) {
      throw new GreffierError('no-vault', `there is no vault in ${dir}`, {
        hint: 'create one with "greffier vault init", or set GREFFIER_HOME to the folder that holds it',
      });
    }
    const lock = acquireFolderLock(dir);
    let master: Buffer | undefined;
    let vault: Vault | undefined;
    try {
      master = await unwrapMasterKey(header, passphrase);
      vault = new Vault(dir, header, master, lock, undefined, undefined, 0);
      const opened = vault;
      await removeStaleTemps(dir);
      await removeStaleTemps(join(dir, 'blobs'));
      // A passphrase change interrupted by a crash is finished (or undone) first.
      if (await finishRotation(dir, vault.#key('catalogue'), vault.#key('blob'))) {
        await removeOldMasterCopies(dir);
      }
      await syncHeaderBackup(dir, header);
      const { db, file } = await openCatalogue(dir, () => opened.#key('catalogue'));
      vault.db = db;
      vault.file = file;
      vault.#autoLockMs = (options.autoLockMinutes ?? db.data.settings.autoLockMinutes) * 60_000;
      const recovery = await recoverInterrupted(vault);
      if (recovery.changed) await db.write();
      vault.lastRecovery = recovery.report;
      // A re-key interrupted by a crash is finished, or undone (rekey.ts).
      for (const id of Object.keys(db.data.meetings)) {
        const meetingDir = vault.meetingDir(id);
        if (await hasStagedRekey(meetingDir))
          await finishRekey(meetingDir, id, vault.meetingKey(id));
      }
      vault.touch();
      return vault;
    } catch (error) {
      if (vault) vault.#wipe();
      zero(master);
      lock.release();
      throw error;
    }
  }

  /** What can be said about a vault without its passphrase. */
  static async status(dir: string): Promise<VaultStatus> {
    const header = await readHeader(dir).catch(() => undefined);
    if (!header) return { path: dir, exists: Vault.exists(dir), locked: true };
    const { N, r, p } = header.kdf;
    const holder = folderLockHolder(dir);
    return {
      path: dir,
      exists: true,
      locked: true,
      kdf: { name: 'scrypt', N, r, p },
      createdAt: header.createdAt,
      ...(holder === undefined ? {} : { inUseByPid: holder }),
    };
  }

  /** Puts the damaged catalogue aside and makes its backup current; needs no passphrase check beyond opening it. */
  static async restoreBackup(
    dir: string,
    passphrase: Buffer,
  ): Promise<{ catalogue?: string; files: string[] }> {
    const header = await readHeader(dir);
    if (!header) {
      throw new GreffierError('no-vault', `there is no vault in ${dir}`, {
        hint: 'set GREFFIER_HOME to the folder that holds the vault',
      });
    }
    const lock = acquireFolderLock(dir);
    const master = await unwrapMasterKey(header, passphrase).catch((error: unknown) => {
      lock.release();
      throw error;
    });
    const catalogueKey = subkey(master, 'catalogue');
    const blobKey = subkey(master, 'vault-blobs');
    const result: { catalogue?: string; files: string[] } = { files: [] };
    try {
      if (await finishRotation(dir, catalogueKey, blobKey)) await removeOldMasterCopies(dir);
      const file = new EncryptedCatalogueFile(dir, () => catalogueKey);
      const current = await file.read().catch(() => undefined);
      if (!current) result.catalogue = await file.restoreBackup();
      lock.release();
      // The catalogue is readable now: open normally to check every sealed file.
      const vault = await Vault.open(dir, passphrase, { autoLockMinutes: 0 });
      try {
        result.files = await restoreSealedFiles(vault, vault.#key('blob'));
      } finally {
        await vault.lock();
      }
      return result;
    } finally {
      zero(master, catalogueKey, blobKey);
      lock.release();
    }
  }

  /** Set by open(): what was repaired after an interrupted session. */
  lastRecovery: RecoveryReport = { recovered: [], damaged: [], requeuedJobs: [] };

  get header(): VaultHeader {
    return this.#header;
  }

  get isLocked(): boolean {
    return this.#master === undefined;
  }

  #key(which: 'master' | 'catalogue' | 'blob'): Buffer {
    const key =
      which === 'master'
        ? this.#master
        : which === 'catalogue'
          ? this.#catalogueKey
          : this.#blobKey;
    if (!key) throw vaultLocked();
    return key;
  }

  /** The catalogue in memory (meetings, jobs, settings); call save() after changing it. */
  get data(): Catalogue {
    if (this.isLocked || !this.db) throw vaultLocked();
    return this.db.data;
  }

  /** Writes the catalogue durably (encrypted, fsynced, previous version kept as backup). */
  async save(): Promise<void> {
    // A save during a passphrase change waits: it must be sealed with the new master.
    if (this.#rotation) await this.#rotation.catch(() => undefined);
    if (this.isLocked || !this.db) throw vaultLocked();
    this.touch();
    await this.db.write();
  }

  /** Resets the idle timer; every use of the vault calls it. */
  touch(): void {
    if (this.isLocked) throw vaultLocked();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#autoLockMs > 0) {
      this.#timer = setTimeout(() => void this.#lock('idle'), this.#autoLockMs);
      this.#timer.unref();
    }
  }

  /**
   * Called once the vault has locked (keys zeroed), e.g. to show the unlock
   * screen; lock() resolves after what a listener returns (files it closes).
   */
  onLock(listener: (reason: 'manual' | 'idle') => Promise<void> | void): () => void {
    this.#lockListeners.add(listener);
    return () => this.#lockListeners.delete(listener);
  }

  /** Work to finish while the keys are still there (closing recordings). */
  beforeLock(hook: () => Promise<void> | void): () => void {
    this.#beforeLock.add(hook);
    return () => this.#beforeLock.delete(hook);
  }

  lock(): Promise<void> {
    return this.#lock('manual');
  }

  #locking: Promise<void> | undefined;

  #lock(reason: 'manual' | 'idle'): Promise<void> {
    if (this.isLocked) return Promise.resolve();
    // An idle lock and a manual one may meet: both wait for the same work.
    this.#locking ??= this.#doLock(reason);
    return this.#locking;
  }

  async #doLock(reason: 'manual' | 'idle'): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // Recordings close first so their last chunks are written.
    for (const hook of this.#beforeLock) {
      try {
        await hook();
      } catch {
        // A hook's failure must not keep keys in memory.
      }
    }
    // Hooks saved the catalogue, which re-armed the idle timer.
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    // The folder is released only once queued catalogue writes are on disk.
    await this.file?.settled();
    this.#wipe();
    this.db = undefined;
    this.file = undefined;
    this.folderLock.release();
    for (const listener of this.#lockListeners) {
      try {
        await listener(reason);
      } catch {
        // The vault is locked whatever a listener does.
      }
    }
  }

  /** Zeroes every key this vault holds; from then on it is locked. */
  #wipe(): void {
    zero(this.#master, this.#catalogueKey, this.#blobKey, ...this.#meetingKeys.values());
    this.#master = this.#catalogueKey = this.#blobKey = undefined;
    this.#meetingKeys.clear();
  }

  #rotation: Promise<void> | undefined;

  /**
   * A new passphrase rotates the master key (see rotate.ts): meeting keys
   * are re-wrapped and the catalogue and vault blobs re-sealed, so an old
   * vault.json with the old passphrase opens nothing written from now on.
   */
  async changePassphrase(
    newPassphrase: Buffer,
    kdf?: KdfCost,
    locale?: UiLocale,
    minLength?: number,
  ): Promise<void> {
    checkNewPassphrase(newPassphrase, {
      ...(locale ? { locale } : {}),
      ...(minLength ? { minLength } : {}),
    });
    this.touch();
    if (this.#rotation) {
      throw new GreffierError('vault-busy', 'the passphrase is already being changed', {
        hint: 'wait for the change under way to finish',
      });
    }
    this.#rotation = this.#rotate(newPassphrase, kdf);
    try {
      await this.#rotation;
    } finally {
      this.#rotation = undefined;
    }
  }

  async #rotate(newPassphrase: Buffer, kdf?: KdfCost): Promise<void> {
    await this.file!.settled();
    const next = newKey();
    let committed = false;
    try {
      await stageRotation(
        this.dir,
        this.data,
        (id) => this.meetingKey(id),
        this.#key('blob'),
        next,
      );
      this.#header = await rewrapHeader(this.dir, this.#header, next, newPassphrase, kdf);
      committed = true;
    } finally {
      if (!committed) {
        zero(next);
        // Staged files do not open under the current master: this removes them.
        await finishRotation(this.dir, this.#key('catalogue'), this.#key('blob'));
      }
    }
    zero(this.#master, this.#catalogueKey, this.#blobKey);
    this.#master = next;
    this.#catalogueKey = subkey(next, 'catalogue');
    this.#blobKey = subkey(next, 'vault-blobs');
    // The catalogue in memory (meetings added while staging included) now wraps with the new master.
    for (const [id, record] of Object.entries(this.data.meetings)) {
      record.wrappedKey = wrapKey(next, this.meetingKey(id), `greffier:meeting-key:v1:${id}`);
    }
    await finishRotation(this.dir, this.#catalogueKey, this.#blobKey);
    await this.db!.write();
    await this.file!.dropOldBackup();
    await removeOldMasterCopies(this.dir);
  }

  // ---- settings --------------------------------------------------------------

  getSettings(): Settings {
    return structuredClone(this.data.settings);
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    const next = SettingsSchema.parse({ ...this.data.settings, ...patch });
    this.data.settings = next;
    await this.save();
    if (patch.autoLockMinutes !== undefined) {
      this.#autoLockMs = next.autoLockMinutes * 60_000;
      this.touch();
    }
    return structuredClone(next);
  }

  // ---- meeting keys and folders -----------------------------------------------

  meetingDir(meetingId: string): string {
    if (!MEETING_ID.test(meetingId)) {
      throw new GreffierError('bad-meeting-id', `"${meetingId}" is not a meeting id`, {
        hint: 'use the id printed by "greffier list"',
      });
    }
    return join(this.dir, 'meetings', meetingId);
  }

  /** A new random data key for a meeting, returned with its wrapped form for the catalogue. */
  newMeetingKey(meetingId: string): { key: Buffer; wrapped: string } {
    const key = newKey();
    const wrapped = wrapKey(this.#key('master'), key, `greffier:meeting-key:v1:${meetingId}`);
    this.#meetingKeys.set(meetingId, key);
    return { key, wrapped };
  }

  meetingKey(meetingId: string): Buffer {
    const cached = this.#meetingKeys.get(meetingId);
    if (cached) return cached;
    const record = Object.hasOwn(this.data.meetings, meetingId)
      ? this.data.meetings[meetingId]
      : undefined;
    if (!record) {
      throw new GreffierError('no-meeting', `there is no meeting "${meetingId}" in this vault`, {
        hint: 'run "greffier list" to see the meetings and their ids',
      });
    }
    const key = unwrapKey(
      this.#key('master'),
      record.wrappedKey,
      `greffier:meeting-key:v1:${meetingId}`,
    );
    this.#meetingKeys.set(meetingId, key);
    return key;
  }

  /**
   * Crypto-shredding: the meeting's wrapped key leaves the catalogue (and
   * its backup) and is fsynced away before any of its files are removed,
   * so even a crash half-way leaves only ciphertext nobody can open.
   */
  async shredMeeting(meetingId: string, alsoRemove: (data: Catalogue) => void): Promise<void> {
    const dir = this.meetingDir(meetingId);
    this.meetingKey(meetingId);
    delete this.data.meetings[meetingId];
    alsoRemove(this.data);
    await this.save();
    await this.file!.dropOldBackup();
    zero(this.#meetingKeys.get(meetingId));
    this.#meetingKeys.delete(meetingId);
    await rm(dir, { recursive: true, force: true });
    await fsyncDir(join(this.dir, 'meetings')).catch(() => undefined);
    // Copies put aside as damaged are sealed with vault keys and may hold
    // the meeting (its title, its wrapped key): AES-GCM without its tag is
    // still AES-CTR, so "damaged" does not mean "unreadable". They go too.
    await removeOldMasterCopies(this.dir);
  }

  /**
   * Crypto-shreds the files of a meeting that `keep` leaves out (see
   * rekey.ts): the kept ones move to a new key, the old key is destroyed.
   */
  async rekeyMeeting(meetingId: string, keep: (file: string) => boolean): Promise<void> {
    const dir = this.meetingDir(meetingId);
    const old = this.meetingKey(meetingId);
    const next = newKey();
    await stageRekey(dir, meetingId, old, next, keep);
    this.data.meetings[meetingId]!.wrappedKey = wrapKey(
      this.#key('master'),
      next,
      `greffier:meeting-key:v1:${meetingId}`,
    );
    this.#meetingKeys.set(meetingId, next);
    await this.save();
    await this.file!.dropOldBackup();
    zero(old);
    await finishRekey(dir, meetingId, next);
    await removeOldMasterCopies(this.dir);
  }

  /**
   * Removes something from the catalogue for good (a remembered voice's key):
   * the catalogue is saved without it, its backup (which still holds it)
   * dropped and old master copies removed, as for a shredded meeting's key.
   */
  async forgetSealed(change: (data: Catalogue) => void): Promise<void> {
    change(this.data);
    await this.save();
    await this.file!.dropOldBackup();
    await removeOldMasterCopies(this.dir);
  }

  protected blobKey(): Buffer {
    return this.#key('blob');
  }
}

export { cataloguePath, type RecoveryReport };
export { BLOB_NAME, MEETING_INDEX_FILE } from './sealed-files.js';
