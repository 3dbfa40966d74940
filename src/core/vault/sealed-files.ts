import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GreffierError } from '../errors.js';
import { backupPath, replaceBackupWithCurrent } from './durable.js';
import { BLOB_SCHEMA_VERSION, removeDamagedCopies } from './recovery.js';
import { readSealedFile, writeSealedFile } from './sealed.js';

/**
 * A meeting's part of the search index (src/core/search/store.ts): sealed with
 * the meeting's key in its folder, so shredding the meeting shreds it too.
 * Derived data, rebuilt from the transcript when missing: it keeps no backup.
 */
export const MEETING_INDEX_FILE = 'search-index';
export const BLOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Where the vault's sealed files live and what binds each to its place (the
 * associated data sealed with it): a meeting's files, sealed with its key in
 * its folder, and vault-wide blobs sealed with the vault's blob key. The keys
 * stay in Vault (vault.ts), which extends this and says how to reach them.
 */
export abstract class VaultFiles {
  abstract readonly dir: string;
  /** Resets the idle timer; throws when the vault is locked. */
  abstract touch(): void;
  abstract meetingDir(meetingId: string): string;
  abstract meetingKey(meetingId: string): Buffer;
  /** The key of vault-wide blobs; throws when the vault is locked. */
  protected abstract blobKey(): Buffer;

  journalPath(meetingId: string): string {
    return join(this.meetingDir(meetingId), 'audio.journal');
  }

  /**
   * `forgetPrevious`: the version replaced must not survive (a redaction):
   * the backup becomes a copy of the new version and copies put aside as
   * damaged go. `backup: false` for derived files that are rebuilt instead.
   */
  async writeMeetingFile(
    meetingId: string,
    name: string,
    schemaVersion: number,
    bytes: Uint8Array,
    options: { forgetPrevious?: boolean; backup?: boolean } = {},
  ): Promise<void> {
    this.touch();
    const { path, aad } = this.meetingFile(meetingId, name);
    await writeSealedFile(path, this.meetingKey(meetingId), aad, schemaVersion, bytes, {
      backup: options.backup ?? true,
    });
    if (options.forgetPrevious) {
      await replaceBackupWithCurrent(path);
      await removeDamagedCopies(path);
    }
  }

  /** Where a meeting's sealed file lives and the identity bound into it as associated data. */
  private meetingFile(meetingId: string, name: string): { path: string; aad: string } {
    return {
      path: join(this.meetingDir(meetingId), `${name}.enc`),
      aad: `meeting/${meetingId}/${name}`,
    };
  }

  async readMeetingFile(
    meetingId: string,
    name: string,
    schemaVersion: number,
    what: string,
  ): Promise<Buffer | undefined> {
    this.touch();
    const { path, aad } = this.meetingFile(meetingId, name);
    return readSealedFile(path, this.meetingKey(meetingId), aad, schemaVersion, what);
  }

  async removeMeetingFile(meetingId: string, name: string): Promise<void> {
    const { path } = this.meetingFile(meetingId, name);
    await rm(path, { force: true });
    await rm(backupPath(path), { force: true });
    await removeDamagedCopies(path);
  }

  /** Vault-wide encrypted storage for other parts (e.g. the search index). */
  async writeBlob(name: string, bytes: Uint8Array): Promise<void> {
    this.touch();
    await writeSealedFile(
      this.#blobPath(name),
      this.blobKey(),
      `vault/blob/${name}`,
      BLOB_SCHEMA_VERSION,
      bytes,
    );
  }

  async readBlob(name: string): Promise<Buffer | undefined> {
    this.touch();
    return readSealedFile(
      this.#blobPath(name),
      this.blobKey(),
      `vault/blob/${name}`,
      BLOB_SCHEMA_VERSION,
      `stored "${name}"`,
    );
  }

  async deleteBlob(name: string): Promise<void> {
    this.touch();
    await rm(this.#blobPath(name), { force: true });
    await rm(backupPath(this.#blobPath(name)), { force: true });
    await removeDamagedCopies(this.#blobPath(name));
  }

  /** Per-meeting encrypted storage (sealed with the meeting's key, so deleting it shreds them too). */
  async writeMeetingBlob(meetingId: string, name: string, bytes: Uint8Array): Promise<void> {
    await this.writeMeetingFile(
      meetingId,
      `blob-${checkBlobName(name)}`,
      BLOB_SCHEMA_VERSION,
      bytes,
    );
  }

  async readMeetingBlob(meetingId: string, name: string): Promise<Buffer | undefined> {
    return this.readMeetingFile(
      meetingId,
      `blob-${checkBlobName(name)}`,
      BLOB_SCHEMA_VERSION,
      `stored "${name}" of meeting ${meetingId}`,
    );
  }

  async deleteMeetingBlob(meetingId: string, name: string): Promise<void> {
    await this.removeMeetingFile(meetingId, `blob-${checkBlobName(name)}`);
  }

  async listMeetingBlobs(meetingId: string): Promise<string[]> {
    const names = await readdir(this.meetingDir(meetingId)).catch(() => [] as string[]);
    return names
      .filter((n) => n.startsWith('blob-') && n.endsWith('.enc'))
      .map((n) => n.slice(5, -4));
  }

  #blobPath(name: string): string {
    return join(this.dir, 'blobs', `${checkBlobName(name)}.enc`);
  }
}

function checkBlobName(name: string): string {
  if (!BLOB_NAME.test(name)) {
    throw new GreffierError('bad-blob-name', `"${name}" cannot name a stored item`, {
      hint: 'use lower-case letters, digits, dot, dash or underscore (at most 100 characters)',
    });
  }
  return name;
}
