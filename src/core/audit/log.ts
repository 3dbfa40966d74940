import { hash as oneShotHash, randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir, open as openHandle, stat, truncate, type FileHandle } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { AuthenticationError, newKey, open, seal, zero } from '../vault/crypto.js';
import {
  fsyncDir,
  readIfExists,
  removeStaleTemps,
  TEMP_SUFFIX,
  writeAll,
} from '../vault/durable.js';
import type { Vault } from '../vault/vault.js';
import type { AuditEntry, AuditInput } from './actions.js';

/**
 * The audit trail: one append-only file of sealed entries, each
 * `u32 length ‖ nonce ‖ ciphertext ‖ tag`, sealed with the trail's own key.
 * That key is a vault blob (so a passphrase change re-seals it like every
 * other vault secret), and the chain head (count, last hash, file length)
 * is another: cutting entries off the end of the file is seen by comparing
 * it with the head. Each entry's body holds the previous entry's hash.
 */
const KEY_BLOB = 'audit-key';
const AAD = 'greffier:audit-entry:v1';
const HEAD_AAD = 'greffier:audit-head:v1';
export const GENESIS = '0'.repeat(64);

export interface AuditHead {
  count: number;
  hash: string;
  /** File length after the last entry the head counts. */
  bytes: number;
  /** Set when the sealed head did not open: the end of the trail cannot be checked. */
  damaged?: boolean;
}

/** One framed record of the file: its sealed bytes and where it starts. */
export interface RawRecord {
  offset: number;
  sealed: Buffer;
}

interface TrailState {
  key: Buffer;
  head: AuditHead;
  queue: Promise<unknown>;
  /** The log, open for appending while the vault is (one open per session, not per entry). */
  handle?: FileHandle;
  /** The log's length: the head records it. */
  size: number;
}

const states = new WeakMap<Vault, Promise<TrailState>>();

export function auditPath(vault: Vault): string {
  return join(vault.dir, 'audit', 'audit.log');
}

export function sha256Hex(text: string | Uint8Array): string {
  // The one-shot form: verifying 100,000 entries spends much of its time here.
  return oneShotHash('sha256', text, 'hex');
}

/** An entry's plaintext: its hash (64 hex characters) then its body (JSON, which names the previous hash). */
export function sealEntry(key: Buffer, body: string): Buffer {
  const sealed = seal(key, Buffer.from(sha256Hex(body) + body), AAD);
  const frame = Buffer.allocUnsafe(4 + sealed.length);
  frame.writeUInt32BE(sealed.length, 0);
  sealed.copy(frame, 4);
  return frame;
}

/** Opens one record: the entry and whether its stored hash matches its body (undefined: fails authentication). */
export function openEntry(
  key: Buffer,
  sealed: Buffer,
): { entry: AuditEntry; hashOk: boolean } | undefined {
  let plain: Buffer;
  try {
    plain = open(key, sealed, AAD);
  } catch (error) {
    if (error instanceof AuthenticationError) return undefined;
    throw error;
  }
  const text = plain.toString('utf8');
  const hash = text.slice(0, 64);
  const body = text.slice(64);
  const entry = JSON.parse(body) as AuditEntry;
  entry.hash = hash;
  return { entry, hashOk: sha256Hex(body) === hash };
}

/** What verify needs of an entry: its number, its link and whether its hash holds. */
export interface EntryLink {
  seq: number;
  prev: string;
  hash: string;
  hashOk: boolean;
}

const LINK_SHAPE = /^\{"seq":(\d+),[\s\S]*"prev":"([0-9a-f]{64})"\}$/;

/**
 * openEntry without building the entry: the body is written with "seq"
 * first and "prev" last, so both are read without parsing the JSON (a
 * third of verify's time over 100,000 entries). A body of another shape
 * is parsed.
 */
export function openLink(key: Buffer, sealed: Buffer): EntryLink | undefined {
  let plain: Buffer;
  try {
    plain = open(key, sealed, AAD);
  } catch (error) {
    if (error instanceof AuthenticationError) return undefined;
    throw error;
  }
  const text = plain.toString('utf8');
  const hash = text.slice(0, 64);
  const body = text.slice(64);
  const hashOk = sha256Hex(body) === hash;
  const shape = LINK_SHAPE.exec(body);
  if (shape) return { seq: Number(shape[1]), prev: shape[2]!, hash, hashOk };
  const entry = JSON.parse(body) as AuditEntry;
  return { seq: entry.seq, prev: entry.prev, hash, hashOk };
}

/** Splits the file into records; a last record cut short is reported as `torn`. */
export function splitRecords(bytes: Buffer, from = 0): { records: RawRecord[]; torn: boolean } {
  const records: RawRecord[] = [];
  let at = from;
  while (at + 4 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) return { records, torn: true };
    records.push({ offset: at, sealed: bytes.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return { records, torn: at !== bytes.length };
}

export function headPath(vault: Vault): string {
  return join(vault.dir, 'audit', 'audit.head');
}

/**
 * The head is sealed with the trail's key beside the log. It is replaced
 * (temp + rename) but not fsynced: the log entry already is, and a head
 * lost to a power cut is only behind, which the next open repairs by
 * adopting the entries that chain on. A head that does not open is named
 * by verify.
 */
async function readHead(vault: Vault, key: Buffer): Promise<AuditHead> {
  const bytes = await readIfExists(headPath(vault));
  if (!bytes) return { count: 0, hash: GENESIS, bytes: 0 };
  try {
    return JSON.parse(open(key, bytes, HEAD_AAD).toString('utf8')) as AuditHead;
  } catch {
    return { count: 0, hash: GENESIS, bytes: 0, damaged: true };
  }
}

/**
 * Synchronous on purpose: a few hundred bytes to the page cache, no fsync,
 * cost less than the round trips of the thread pool they replace (the
 * append's 5 ms budget, on two busy cores).
 */
function writeHead(vault: Vault, key: Buffer, head: AuditHead): void {
  const path = headPath(vault);
  const temp = join(dirname(path), `.audit.head.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  // Exclusive create: a name planted in advance fails the write instead of being followed.
  writeFileSync(temp, seal(key, Buffer.from(JSON.stringify(head)), HEAD_AAD), {
    flag: 'wx',
    mode: 0o600,
  });
  renameSync(temp, path);
}

/** The trail's key, created on first use. */
export async function auditKey(vault: Vault): Promise<Buffer> {
  const stored = await vault.readBlob(KEY_BLOB);
  if (stored) return stored;
  const key = newKey();
  await vault.writeBlob(KEY_BLOB, key);
  return key;
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (info) => info.size,
    () => 0,
  );
}

async function loadState(vault: Vault): Promise<TrailState> {
  const key = await auditKey(vault);
  await mkdir(join(vault.dir, 'audit'), { recursive: true, mode: 0o700 });
  // Heads a killed process left half-written (the vault's folder lock is held).
  await removeStaleTemps(join(vault.dir, 'audit'));
  const head = await readHead(vault, key);
  // Entries written after the head was last saved (a crash between the
  // two writes) are adopted when they chain on; a torn tail is cut.
  const length = await fileSize(auditPath(vault));
  const file = length > head.bytes ? await readIfExists(auditPath(vault)) : null;
  if (file && file.length > head.bytes) {
    const { records } = splitRecords(file, head.bytes);
    let end = head.bytes;
    for (const record of records) {
      const opened = openEntry(key, record.sealed);
      if (!opened?.hashOk || opened.entry.prev !== head.hash || opened.entry.seq !== head.count + 1)
        break;
      head.count += 1;
      head.hash = opened.entry.hash;
      end = record.offset + 4 + record.sealed.length;
    }
    head.bytes = end;
    // Only a record cut off half-way (a crash mid-write) is cut; whole
    // records that do not chain on are evidence, left for verify to name.
    if (end < file.length && splitRecords(file, end).records.length === 0) {
      await truncate(auditPath(vault), end);
    }
  }
  const size = await fileSize(auditPath(vault));
  const trail: TrailState = { key, head, queue: Promise.resolve(), size };
  // Locking waits for the trail's file to be closed: nothing stays open once lock() resolves.
  vault.onLock(async () => {
    states.delete(vault);
    await trail.queue;
    zero(key);
    await trail.handle?.close().catch(() => undefined);
    delete trail.handle;
  });
  return trail;
}

function state(vault: Vault): Promise<TrailState> {
  let found = states.get(vault);
  if (!found) {
    found = loadState(vault);
    states.set(vault, found);
    found.catch(() => states.delete(vault));
  }
  return found;
}

let account: string | undefined;
function currentUser(): string {
  if (account === undefined) {
    try {
      account = userInfo().username;
    } catch {
      account = 'unknown';
    }
  }
  return account;
}

/**
 * Appends one entry: sealed, chained to the previous one, fsynced, then the
 * sealed head updated. Appends to one vault are queued, so the chain never forks.
 */
export async function appendAudit(vault: Vault, input: AuditInput): Promise<AuditEntry> {
  const [entry] = await appendAuditBatch(vault, [input]);
  return entry!;
}

/** Several entries with one write and one fsync (failed unlocks flushed at open, benchmarks). */
export async function appendAuditBatch(vault: Vault, inputs: AuditInput[]): Promise<AuditEntry[]> {
  const trail = await state(vault);
  const run = trail.queue.then(async () => {
    const { key } = trail;
    let { count, hash } = trail.head;
    const at = new Date().toISOString();
    const entries: AuditEntry[] = [];
    const frames: Buffer[] = [];
    for (const input of inputs) {
      const body: Omit<AuditEntry, 'hash'> = {
        seq: count + 1,
        at,
        user: currentUser(),
        action: input.action,
        ...(input.meetingId === undefined ? {} : { meetingId: input.meetingId }),
        ...(input.details === undefined ? {} : { details: input.details }),
        prev: hash,
      };
      const text = JSON.stringify(body);
      frames.push(sealEntry(key, text));
      count = body.seq;
      hash = sha256Hex(text);
      entries.push({ ...body, hash });
    }
    const created = trail.size === 0;
    trail.handle ??= await openHandle(auditPath(vault), 'a', 0o600);
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    await writeAll(trail.handle, bytes, trail.size);
    await trail.handle.sync();
    trail.size += bytes.length;
    if (created) await fsyncDir(join(vault.dir, 'audit'));
    const next: AuditHead = {
      count,
      hash,
      bytes: trail.size,
      // Once seen damaged, always said: rewriting the head must not hide it.
      ...(trail.head.damaged ? { damaged: true } : {}),
    };
    writeHead(vault, key, next);
    trail.head = next;
    return entries;
  });
  trail.queue = run.catch(() => undefined);
  return run;
}

/** The hash of the chain head (what an approval pins); all zeros for an empty trail. */
export async function auditHead(vault: Vault): Promise<string> {
  const trail = await state(vault);
  await trail.queue;
  return trail.head.hash;
}

/** The sealed head as stored (for verification). */
export async function storedHead(vault: Vault): Promise<AuditHead> {
  const trail = await state(vault);
  await trail.queue;
  return { ...trail.head };
}
