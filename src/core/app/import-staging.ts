import { open as openFile, type FileHandle } from 'node:fs/promises';
import { GreffierError } from '../errors.js';
import { newKey, open, seal, SEAL_OVERHEAD, zero } from '../vault/crypto.js';
import { privateTempPath, removeQuietly } from '../tempfiles.js';
import type { SizedSource } from '../audio/source.js';

/** Plaintext bytes per sealed block: small enough to decrypt for a probe's few reads. */
const BLOCK = 64 * 1024;
const STRIDE = BLOCK + SEAL_OVERHEAD;

/**
 * A recording uploaded from the window, kept until it is imported: never as
 * plaintext on disk. The bytes arrive in chunks and are written to the
 * private temp folder in 64 KiB blocks, each sealed (AES-256-GCM, its index
 * bound as associated data) with a key made for this upload alone and held
 * only in memory; the probe and the decoder read it back by position. The
 * file is removed when the import ends, fails or is cancelled; one left by a
 * crash is unreadable (its key died with the process) and the start-up sweep
 * of the temp folder removes it.
 */
export class SealedStaging implements SizedSource {
  private readonly key = newKey();
  private readonly path = privateTempPath('.sealed');
  private handle: FileHandle | undefined;
  private pending = Buffer.alloc(BLOCK);
  private filled = 0;
  private blocks = 0;
  private received = 0;
  private cached: { index: number; bytes: Buffer } | undefined;
  private closed = false;

  /** `size` is the file's size as the window announced it: uploads must match it. */
  constructor(readonly size: number) {}

  get receivedBytes(): number {
    return this.received;
  }

  get complete(): boolean {
    return this.received === this.size;
  }

  async append(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('the upload was discarded');
    if (this.received + bytes.length > this.size) {
      throw new GreffierError(
        'import-upload',
        `The recording sent is larger than announced (${this.size} bytes).`,
        { hint: 'Choose the file again; nothing was imported.' },
      );
    }
    this.handle ??= await openFile(this.path, 'wx+', 0o600);
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(BLOCK - this.filled, bytes.length - at);
      this.pending.set(bytes.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      this.received += take;
      if (this.filled === BLOCK || this.received === this.size) await this.writeBlock();
    }
  }

  private async writeBlock(): Promise<void> {
    const index = this.blocks++;
    const sealed = seal(this.key, this.pending.subarray(0, this.filled), `import:${index}`);
    await this.handle!.write(sealed, 0, sealed.length, index * STRIDE);
    this.pending.fill(0, 0, this.filled);
    this.filled = 0;
  }

  async read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }> {
    if (!this.complete || !this.handle) throw new Error('the upload is not complete');
    const end = Math.min(position + length, this.size);
    let at = position;
    while (at < end) {
      const index = Math.floor(at / BLOCK);
      const block = await this.block(index);
      const from = at - index * BLOCK;
      const take = Math.min(block.length - from, end - at);
      buffer.set(block.subarray(from, from + take), offset + (at - position));
      at += take;
    }
    return { bytesRead: Math.max(0, end - position) };
  }

  private async block(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.bytes;
    const plain = Math.min(BLOCK, this.size - index * BLOCK);
    const sealed = Buffer.alloc(plain + SEAL_OVERHEAD);
    await this.handle!.read(sealed, 0, sealed.length, index * STRIDE);
    const bytes = open(this.key, sealed, `import:${index}`);
    this.cached?.bytes.fill(0);
    this.cached = { index, bytes };
    return bytes;
  }

  /** Removes the sealed file and forgets the key; safe to call twice. */
  async discard(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    removeQuietly(this.path);
    this.cached?.bytes.fill(0);
    this.pending.fill(0);
    zero(this.key);
  }

  /** For tests: where the sealed bytes are. */
  get filePath(): string {
    return this.path;
  }
}
