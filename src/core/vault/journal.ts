import { open as openFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GreffierError } from '../errors.js';
import { AuthenticationError, open, seal, SEAL_OVERHEAD } from './crypto.js';
import { fsyncDir, readExactly, writeAll } from './durable.js';

/**
 * The audio journal: an append-only file of sealed PCM chunks.
 *
 *   file   = MAGIC(8) record*
 *   record = u32 sealedLength ‖ u32 index ‖ nonce ‖ ciphertext ‖ tag
 *
 * Each chunk is sealed on its own with (meeting, index, length) as
 * associated data, and fsynced before `append` resolves: a crash loses at
 * most the chunk being written, and a torn tail is recognised and cut off.
 */
export const JOURNAL_MAGIC = Buffer.from('GRFJRN01');
const RECORD_HEADER = 8;
/** A 1 s chunk at 16 kHz is 32 KB; anything claiming over 16 MB is damage, not audio. */
const MAX_SEALED = 16 * 1024 * 1024;
export const JOURNAL_SCHEMA_VERSION = 1;

function aad(meetingId: string, index: number, length: number): string {
  return `greffier:journal:v${JOURNAL_SCHEMA_VERSION}:${meetingId}:${index}:${length}`;
}

function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

function toSamples(bytes: Buffer): Int16Array {
  // Copy into an aligned buffer: Int16Array needs an even byte offset.
  const copy = new Int16Array(bytes.length >> 1);
  Buffer.from(copy.buffer).set(bytes.subarray(0, copy.length * 2));
  return copy;
}

export interface JournalChunk {
  index: number;
  samples: Int16Array;
}

export class AudioJournalWriter {
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  /** Chunks, samples and bytes that are on disk (acknowledged). */
  #written = { chunks: 0, samples: 0, bytes: 0 };
  #failure: GreffierError | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly meetingId: string,
    private readonly key: Buffer,
    private position: number,
    private nextIndex: number,
  ) {
    this.#written = { chunks: nextIndex, samples: 0, bytes: position };
  }

  /** Creates a new journal, or continues one whose intact length and chunk count are known. */
  static async open(
    path: string,
    meetingId: string,
    key: Buffer,
    resume?: { bytes: number; chunks: number },
  ): Promise<AudioJournalWriter> {
    const handle = await openFile(path, resume ? 'r+' : 'wx', 0o600);
    if (!resume) {
      await writeAll(handle, JOURNAL_MAGIC, 0);
      await handle.sync();
      await fsyncDir(dirname(path));
    }
    return new AudioJournalWriter(
      handle,
      meetingId,
      key,
      resume ? resume.bytes : JOURNAL_MAGIC.length,
      resume ? resume.chunks : 0,
    );
  }

  /** Chunks acknowledged so far. */
  get chunks(): number {
    return this.#written.chunks;
  }

  /** Samples acknowledged through this writer (not counting a resumed part). */
  get samples(): number {
    return this.#written.samples;
  }

  /** Resolves once the chunk is on disk (fsynced): that is the acknowledgement. */
  append(samples: Int16Array): Promise<number> {
    if (this.#closed) {
      return Promise.reject(
        new GreffierError('recording-closed', 'this recording is already finished', {
          hint: 'start a new meeting to record more',
        }),
      );
    }
    if (this.#failure) return Promise.reject(this.#failure);
    const index = this.nextIndex++;
    const plain = pcmBytes(samples);
    const length = plain.length + SEAL_OVERHEAD;
    const record = Buffer.allocUnsafe(RECORD_HEADER + length);
    record.writeUInt32LE(length, 0);
    record.writeUInt32LE(index, 4);
    seal(this.key, plain, aad(this.meetingId, index, length)).copy(record, RECORD_HEADER);
    const at = this.position;
    this.position += record.length;
    const done = this.#queue.then(async () => {
      if (this.#failure) throw this.#failure;
      try {
        await writeAll(this.handle, record, at);
        await this.handle.sync();
      } catch (error) {
        // Later chunks must not land after a hole: the recording stops here,
        // and what was acknowledged before stays readable.
        this.#failure = new GreffierError(
          'recording-failed',
          `audio could not be written to the vault (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          {
            hint: `the ${this.#written.chunks} chunks recorded before are safe; free disk space and start a new recording`,
            cause: error,
          },
        );
        throw this.#failure;
      }
      this.#written.chunks = index + 1;
      this.#written.samples += samples.length;
      this.#written.bytes = at + record.length;
    });
    this.#queue = done.catch(() => undefined);
    return done.then(() => index);
  }

  /** Closes the journal; after a failed write, cuts it back to the last acknowledged chunk. */
  async close(): Promise<{ chunks: number; bytes: number; failed: boolean }> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#queue;
      if (this.#failure) {
        await this.handle.truncate(this.#written.bytes).catch(() => undefined);
        await this.handle.sync().catch(() => undefined);
      }
      await this.handle.close();
    }
    return { chunks: this.#written.chunks, bytes: this.#written.bytes, failed: !!this.#failure };
  }
}

export interface JournalScan {
  /** Chunks that authenticate, in order from 0. */
  chunks: number;
  samples: number;
  /** Bytes up to the end of the last intact chunk. */
  intactBytes: number;
  fileBytes: number;
  /** What follows the intact part, when something does. */
  tail?: 'torn' | 'damaged';
  /** Index of the first chunk that failed, when one did. */
  badChunk?: number;
}

async function allZero(handle: FileHandle, from: number, to: number): Promise<boolean> {
  const buffer = Buffer.alloc(64 * 1024);
  for (let at = from; at < to;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - at), at);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) if (buffer[i] !== 0) return false;
    at += bytesRead;
  }
  return true;
}

function journalDamaged(path: string, detail: string): GreffierError {
  return new GreffierError('journal-damaged', `the audio journal ${path} ${detail}`, {
    hint: 'the audio before that point can still be read; restore the vault folder from a backup copy for the rest',
  });
}

/** The words show, the app and export use for a journal shorter than its sealed count. */
export function truncatedNote(chunks: number, expected: number): string {
  return `audio truncated: ${chunks} of ${expected} chunks`;
}

function journalTruncated(path: string, chunks: number, expected: number): GreffierError {
  return new GreffierError('audio-truncated', `${truncatedNote(chunks, expected)} (${path})`, {
    hint: `the ${chunks} chunks left are intact; the rest of the recording is gone from this copy: restore the vault folder from a backup copy`,
  });
}

/**
 * Counts the chunks by their record headers alone (no decryption): cheap
 * enough for every look at a meeting, to compare with the sealed count.
 */
export async function countJournalChunks(path: string): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = (await handle.stat()).size;
    let position = JOURNAL_MAGIC.length;
    let index = 0;
    while (position < size) {
      const header = await readExactly(handle, RECORD_HEADER, position);
      if (!header) break;
      const length = header.readUInt32LE(0);
      if (header.readUInt32LE(4) !== index || length < SEAL_OVERHEAD || length > MAX_SEALED) break;
      if (position + RECORD_HEADER + length > size) break;
      position += RECORD_HEADER + length;
      index++;
    }
    return index;
  } finally {
    await handle.close();
  }
}

/**
 * Walks the journal, authenticating every chunk, without keeping audio in
 * memory. With `expectedChunks` (the count sealed in the catalogue when
 * the recording finished), a journal that ends cleanly but early — whole
 * chunks cut off — is an error, not a shorter recording. A chunk cut short by the end of the file is a torn tail (a
 * crash during its write); a complete chunk that fails is damage.
 */
export async function* readJournal(
  path: string,
  meetingId: string,
  key: Buffer,
  scan?: JournalScan,
  expectedChunks?: number,
): AsyncGenerator<JournalChunk> {
  const handle = await openFile(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (scan) scan.fileBytes = size;
    const magic = await readExactly(handle, JOURNAL_MAGIC.length, 0);
    if (!magic || !magic.equals(JOURNAL_MAGIC)) {
      if (scan && (!magic || size < JOURNAL_MAGIC.length)) {
        scan.tail = 'torn';
        return;
      }
      throw journalDamaged(path, 'does not start like a Greffier journal');
    }
    let position = JOURNAL_MAGIC.length;
    let index = 0;
    if (scan) scan.intactBytes = position;
    while (position < size) {
      const header = await readExactly(handle, RECORD_HEADER, position);
      const length = header?.readUInt32LE(0) ?? 0;
      const stored = header?.readUInt32LE(4);
      const complete = header !== undefined && position + RECORD_HEADER + length <= size;
      if (!complete || length > MAX_SEALED || length < SEAL_OVERHEAD || stored !== index) {
        // Zeros after the last chunk are what a power cut leaves when the
        // file size reached the disk before the data did.
        const torn = (!complete && length <= MAX_SEALED) || (await allZero(handle, position, size));
        if (scan) {
          scan.tail = torn ? 'torn' : 'damaged';
          scan.badChunk = index;
          return;
        }
        throw journalDamaged(
          path,
          torn ? `ends inside chunk ${index}` : `is damaged at chunk ${index}`,
        );
      }
      const sealed = (await readExactly(handle, length, position + RECORD_HEADER))!;
      let plain: Buffer;
      try {
        plain = open(key, sealed, aad(meetingId, index, length));
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        const last = position + RECORD_HEADER + length === size;
        if (scan) {
          scan.tail = last ? 'torn' : 'damaged';
          scan.badChunk = index;
          return;
        }
        throw journalDamaged(path, `is damaged at chunk ${index} (it fails authentication)`);
      }
      position += RECORD_HEADER + length;
      const samples = toSamples(plain);
      plain.fill(0);
      if (scan) {
        scan.chunks = index + 1;
        scan.samples += samples.length;
        scan.intactBytes = position;
      }
      yield { index, samples };
      index++;
    }
    if (expectedChunks !== undefined && index < expectedChunks) {
      throw journalTruncated(path, index, expectedChunks);
    }
  } finally {
    await handle.close();
  }
}

/** Authenticates the whole journal and reports where its intact part ends. */
export async function scanJournal(
  path: string,
  meetingId: string,
  key: Buffer,
): Promise<JournalScan> {
  const scan: JournalScan = { chunks: 0, samples: 0, intactBytes: 0, fileBytes: 0 };
  for await (const chunk of readJournal(path, meetingId, key, scan)) chunk.samples.fill(0);
  return scan;
}

/** Cuts a torn tail so appends (and readers) see only whole chunks. */
export async function truncateJournal(path: string, bytes: number): Promise<void> {
  const handle = await openFile(path, 'r+');
  try {
    await handle.truncate(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
