import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { link, lstat, open as openFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { appendAudit } from '../audit/index.js';
import { GreffierError } from '../errors.js';
import { MeetingSchema, type Meeting } from '../../shared/meetings.js';
import { MeetingSegmentSchema } from '../../shared/transcript.js';
import {
  AuthenticationError,
  KdfParamsSchema,
  deriveKey,
  newKdfParams,
  open,
  seal,
  zero,
  DEFAULT_KDF,
} from '../vault/crypto.js';
import { fsyncDir, readExactly, writeAll } from '../vault/durable.js';
import type { Meetings } from './meetings.js';
import { BLOB_NAME, MEETING_ID } from '../vault/vault.js';

/**
 * A transfer archive between air-gapped PCs: one file, its own passphrase.
 *
 *   file    = MAGIC(8) ‖ u32 headerLength ‖ header JSON ‖ record*
 *   record  = u32 sealedLength ‖ seal(type ‖ u32 metaLength ‖ meta JSON ‖ bytes)
 *
 * Every record is sealed with (hash of the header, its position) as
 * associated data and the last one says how many came before it: a
 * changed, reordered, removed or cut-off record fails authentication.
 */
const MAGIC = Buffer.from('GRFARC01');
const ARCHIVE_VERSION = 1;
const MAX_HEADER = 64 * 1024;
const MAX_RECORD = 64 * 1024 * 1024;

const HeaderSchema = z.object({
  format: z.literal('greffier-archive'),
  version: z.literal(ARCHIVE_VERSION),
  archiveId: z.string(),
  createdAt: z.string(),
  kdf: KdfParamsSchema,
});
type ArchiveHeader = z.infer<typeof HeaderSchema>;

const MeetingEntrySchema = z.object({
  meeting: MeetingSchema,
  segments: z.array(MeetingSegmentSchema),
  summary: z.unknown().optional(),
});

const MeetingIdSchema = z.string().regex(MEETING_ID);

/** Record metadata, checked like everything else from the file (strict: no extra keys). */
const RecordMetaSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('meeting'), meetingId: MeetingIdSchema }),
  z.strictObject({
    type: z.literal('audio'),
    meetingId: MeetingIdSchema,
    index: z.number().int().nonnegative(),
  }),
  z.strictObject({
    type: z.literal('blob'),
    meetingId: MeetingIdSchema,
    name: z.string().regex(BLOB_NAME),
  }),
  z.strictObject({
    type: z.literal('end'),
    records: z.number().int().nonnegative(),
    meetings: z.array(MeetingIdSchema),
  }),
]);
type RecordMeta = z.infer<typeof RecordMetaSchema>;

/**
 * The rules every archive obeys, applied record by record on both passes of
 * an import (the file could change between them): meetings appear once,
 * with well-formed ids, and every audio or blob record belongs to the
 * meeting whose record came just before it — never to another meeting,
 * in the archive or in the vault.
 */
class ArchiveRules {
  readonly ids: string[] = [];
  #current: string | undefined;
  #nextAudio = 0;

  constructor(private readonly path: string) {}

  accept(meta: RecordMeta, bytes: Buffer): z.infer<typeof MeetingEntrySchema> | undefined {
    if (meta.type === 'meeting') {
      if (this.ids.includes(meta.meetingId)) {
        throw archiveError(this.path, `holds meeting ${meta.meetingId} twice`);
      }
      let entry: z.infer<typeof MeetingEntrySchema>;
      try {
        entry = MeetingEntrySchema.parse(JSON.parse(bytes.toString('utf8')));
      } catch {
        throw archiveError(this.path, 'holds a malformed meeting');
      }
      if (entry.meeting.id !== meta.meetingId) {
        throw archiveError(this.path, 'holds a malformed meeting (two different ids)');
      }
      this.ids.push(meta.meetingId);
      this.#current = meta.meetingId;
      this.#nextAudio = 0;
      return entry;
    }
    if (meta.type === 'end') {
      const listed = [...meta.meetings].sort().join(',');
      if (listed !== [...this.ids].sort().join(',')) {
        throw archiveError(this.path, 'has an end mark that lists other meetings than it holds');
      }
      return undefined;
    }
    if (meta.meetingId !== this.#current) {
      throw archiveError(
        this.path,
        `holds a ${meta.type} record that belongs to no meeting of the archive before it (${meta.meetingId}): another meeting cannot be written into`,
      );
    }
    if (meta.type === 'audio') {
      if (meta.index !== this.#nextAudio) throw archiveError(this.path, 'holds audio out of order');
      if (bytes.length % 2 !== 0) throw archiveError(this.path, 'holds malformed audio');
      this.#nextAudio++;
    }
    return undefined;
  }
}

function aadFor(headerHash: string, index: number): string {
  return `greffier:archive:v${ARCHIVE_VERSION}:${headerHash}:${index}`;
}

function encodePayload(meta: RecordMeta, bytes: Uint8Array = Buffer.alloc(0)): Buffer {
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(metaBytes.length);
  return Buffer.concat([length, metaBytes, bytes]);
}

function decodePayload(path: string, payload: Buffer): { meta: RecordMeta; bytes: Buffer } {
  const length = payload.length >= 4 ? payload.readUInt32LE(0) : Number.MAX_SAFE_INTEGER;
  if (length > payload.length - 4) throw archiveError(path, 'holds a malformed record');
  const parsed = (() => {
    try {
      return RecordMetaSchema.safeParse(
        JSON.parse(payload.subarray(4, 4 + length).toString('utf8')),
      );
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success) {
    throw archiveError(path, 'holds a malformed record (unknown type, meeting id or blob name)');
  }
  return { meta: parsed.data, bytes: payload.subarray(4 + length) };
}

function archiveError(path: string, detail: string): GreffierError {
  return new GreffierError('archive-damaged', `the archive ${path} ${detail}`, {
    hint: 'nothing was imported; copy the archive again from the source PC (or check its passphrase)',
  });
}

function outExists(out: string): GreffierError {
  return new GreffierError('exists', `${out} already exists`, {
    hint: 'choose another file name or remove it first',
    exitCode: 2,
  });
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Gives the finished temp file its name without replacing anything there:
 * a hard link fails on an existing name (file or symlink). Removable media
 * formatted FAT/exFAT have no hard links: there, a rename after a last
 * check (the one case where a file created in between would be replaced).
 */
async function publishExclusively(temp: string, out: string): Promise<void> {
  try {
    await link(temp, out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await rm(temp, { force: true });
      throw outExists(out);
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'EMLINK') {
      await rm(temp, { force: true });
      throw error;
    }
    if (await exists(out)) {
      await rm(temp, { force: true });
      throw outExists(out);
    }
    await rename(temp, out);
    return;
  }
  await rm(temp, { force: true });
}

export interface ExportResult {
  path: string;
  meetings: string[];
  bytes: number;
}

/** Writes the meetings (metadata, transcript, summary, audio, blobs) into one encrypted archive. */
export async function exportArchive(
  meetings: Meetings,
  ids: string[],
  out: string,
  passphrase: Buffer,
): Promise<ExportResult> {
  if (ids.length === 0) {
    throw new GreffierError('usage', 'name at least one meeting to export', { exitCode: 2 });
  }
  const unique = [...new Set(ids)];
  for (const id of unique) meetings.getMeeting(id);
  const header: ArchiveHeader = {
    format: 'greffier-archive',
    version: ARCHIVE_VERSION,
    archiveId: randomUUID(),
    createdAt: new Date().toISOString(),
    kdf: newKdfParams(DEFAULT_KDF),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const headerHash = createHash('sha256').update(headerBytes).digest('hex');
  if (await exists(out)) throw outExists(out);
  const key = await deriveKey(passphrase, header.kdf);
  // Fresh unguessable name, created exclusively: a planted symlink fails the open instead of being followed.
  const temp = join(
    dirname(resolve(out)),
    `.${basename(out)}.${randomBytes(6).toString('hex')}.partial`,
  );
  let handle: FileHandle;
  try {
    handle = await openFile(temp, 'wx', 0o600);
  } catch (error) {
    zero(key);
    throw error;
  }
  let at = 0;
  let index = 0;
  const put = async (bytes: Buffer) => {
    await writeAll(handle, bytes, at);
    at += bytes.length;
  };
  const putRecord = async (meta: RecordMeta, bytes?: Uint8Array) => {
    const sealed = seal(key, encodePayload(meta, bytes), aadFor(headerHash, index++));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(sealed.length);
    await put(Buffer.concat([length, sealed]));
  };
  try {
    const headerLength = Buffer.alloc(4);
    headerLength.writeUInt32LE(headerBytes.length);
    await put(Buffer.concat([MAGIC, headerLength, headerBytes]));
    for (const id of unique) {
      const detail = await meetings.get(id);
      const { segments, summary, ...meeting } = detail;
      const entry = { meeting, segments, ...(summary === undefined ? {} : { summary }) };
      await putRecord({ type: 'meeting', meetingId: id }, Buffer.from(JSON.stringify(entry)));
      if (meeting.audio && meeting.audio.chunks > 0) {
        for await (const chunk of meetings.readAudio(id)) {
          const bytes = Buffer.from(
            chunk.samples.buffer,
            chunk.samples.byteOffset,
            chunk.samples.byteLength,
          );
          await putRecord({ type: 'audio', meetingId: id, index: chunk.index }, bytes);
          chunk.samples.fill(0);
        }
      }
      for (const name of await meetings.vault.listMeetingBlobs(id)) {
        const bytes = await meetings.vault.readMeetingBlob(id, name);
        if (bytes) await putRecord({ type: 'blob', meetingId: id, name }, bytes);
      }
    }
    await putRecord({ type: 'end', records: index, meetings: unique });
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  } finally {
    zero(key);
  }
  await handle.close();
  await publishExclusively(temp, out);
  await fsyncDir(dirname(resolve(out)));
  await appendAudit(meetings.vault, {
    action: 'archive.exported',
    details: { meetings: unique, file: basename(out), bytes: at },
  });
  return { path: out, meetings: unique, bytes: at };
}

/** Reads and authenticates every record in order; throws at the first problem. */
async function* readArchive(
  path: string,
  passphrase: Buffer,
): AsyncGenerator<{ meta: RecordMeta; bytes: Buffer }> {
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GreffierError(
      'archive-missing',
      `the archive ${path} cannot be read (${code === 'ENOENT' ? 'no such file' : code})`,
      {
        hint: 'check the path of the .greffier file',
        exitCode: code === 'ENOENT' ? 2 : 1,
      },
    );
  }
  let key: Buffer | undefined;
  try {
    const size = (await handle.stat()).size;
    const start = await readExactly(handle, MAGIC.length + 4, 0);
    if (!start || !start.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw archiveError(path, 'is not a Greffier archive');
    }
    const headerLength = start.readUInt32LE(MAGIC.length);
    const headerBytes =
      headerLength <= MAX_HEADER
        ? await readExactly(handle, headerLength, start.length)
        : undefined;
    if (!headerBytes) throw archiveError(path, 'is truncated (its header is incomplete)');
    let header: ArchiveHeader;
    try {
      header = HeaderSchema.parse(JSON.parse(headerBytes.toString('utf8')));
    } catch {
      throw archiveError(path, 'has a damaged header');
    }
    const headerHash = createHash('sha256').update(headerBytes).digest('hex');
    key = await deriveKey(passphrase, header.kdf);
    let position = start.length + headerLength;
    let index = 0;
    for (;;) {
      const lengthBytes = await readExactly(handle, 4, position);
      if (!lengthBytes)
        throw archiveError(
          path,
          `is truncated (it ends after ${index} records, before its end mark)`,
        );
      const length = lengthBytes.readUInt32LE(0);
      const sealed =
        length <= MAX_RECORD ? await readExactly(handle, length, position + 4) : undefined;
      if (!sealed) throw archiveError(path, `is truncated or damaged at record ${index}`);
      let payload: Buffer;
      try {
        payload = open(key, sealed, aadFor(headerHash, index));
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        throw index === 0
          ? new GreffierError(
              'archive-passphrase',
              `the archive ${path} cannot be opened: wrong archive passphrase, or the archive was altered`,
              {
                hint: 'check --archive-passphrase-file; nothing was imported',
              },
            )
          : archiveError(path, `was altered or damaged (record ${index} fails authentication)`);
      }
      position += 4 + length;
      const record = decodePayload(path, payload);
      if (record.meta.type === 'end') {
        if (record.meta.records !== index) throw archiveError(path, 'has a wrong record count');
        if (position !== size) throw archiveError(path, 'has unexpected bytes after its end mark');
        yield record;
        return;
      }
      yield record;
      index++;
    }
  } finally {
    zero(key);
    await handle.close();
  }
}

export interface ImportResult {
  meetings: Meeting[];
}

/**
 * Imports an archive. The whole file is authenticated first (nothing in
 * the vault changes if any byte is wrong); then each meeting is written
 * with a fresh data key of this vault. A failure half-way removes what
 * this import added.
 */
export async function importArchive(
  meetings: Meetings,
  path: string,
  passphrase: Buffer,
): Promise<ImportResult> {
  const rules = new ArchiveRules(path);
  for await (const { meta, bytes } of readArchive(path, passphrase)) {
    rules.accept(meta, bytes);
    bytes.fill(0);
  }
  const ids = rules.ids;
  const existing = ids.filter((id) => Object.hasOwn(meetings.vault.data.meetings, id));
  if (existing.length > 0) {
    throw new GreffierError(
      'archive-duplicate',
      `this vault already holds meeting(s) ${existing.join(', ')} from the archive`,
      {
        hint: 'nothing was imported; delete them first if the archive should replace them',
      },
    );
  }
  const added: string[] = [];
  const result: Meeting[] = [];
  try {
    let current: { id: string; meeting: Meeting } | undefined;
    const close = async () => {
      if (!current) return;
      result.push(await meetings.completeImport(current.id, current.meeting));
      current = undefined;
    };
    // The same rules again: the file is read a second time and must not have changed its story.
    const again = new ArchiveRules(path);
    for await (const { meta, bytes } of readArchive(path, passphrase)) {
      const entry = again.accept(meta, bytes);
      if (entry) {
        await close();
        if (!ids.includes(entry.meeting.id)) {
          throw archiveError(path, 'changed while it was being imported');
        }
        await meetings.beginImport(entry.meeting);
        added.push(entry.meeting.id);
        if (entry.segments.length > 0) {
          await meetings.setTranscript(entry.meeting.id, entry.segments, {
            speakers: entry.meeting.speakers,
          });
        } else {
          for (const s of entry.meeting.speakers) {
            await meetings.renameSpeaker(entry.meeting.id, s.id, s.name, s.role);
          }
        }
        if (entry.summary !== undefined) await meetings.setSummary(entry.meeting.id, entry.summary);
        current = { id: entry.meeting.id, meeting: entry.meeting };
      } else if (meta.type === 'audio') {
        const samples = new Int16Array(bytes.length >> 1);
        Buffer.from(samples.buffer).set(bytes.subarray(0, samples.length * 2));
        await meetings.appendAudio(meta.meetingId, samples);
        samples.fill(0);
      } else if (meta.type === 'blob') {
        await meetings.vault.writeMeetingBlob(meta.meetingId, meta.name, bytes);
      }
      bytes.fill(0);
    }
    await close();
    await appendAudit(meetings.vault, {
      action: 'archive.imported',
      details: { meetings: added, file: basename(path) },
    });
    return { meetings: result };
  } catch (error) {
    for (const id of added) await meetings.delete(id).catch(() => undefined);
    throw error;
  }
}
