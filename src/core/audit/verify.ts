import { readIfExists } from '../vault/durable.js';
import type { Vault } from '../vault/vault.js';
import type { AuditEntry } from './actions.js';
import {
  auditKey,
  auditPath,
  GENESIS,
  openEntry,
  openLink,
  splitRecords,
  storedHead,
  type AuditHead,
} from './log.js';

/** One thing wrong with the trail, named by entry number (1 is the first). */
export interface AuditProblem {
  entry: number;
  kind: 'changed' | 'missing' | 'out-of-order' | 'torn' | 'head';
  message: string;
}

export interface AuditReport {
  ok: boolean;
  entries: number;
  head: string;
  problems: AuditProblem[];
}

/** Reads every entry that opens, in file order (for `audit show`). */
export async function readAudit(
  vault: Vault,
  filter: { since?: string; action?: string; meetingId?: string } = {},
): Promise<AuditEntry[]> {
  const key = await auditKey(vault);
  await storedHead(vault);
  const bytes = await readIfExists(auditPath(vault));
  if (!bytes) return [];
  const entries: AuditEntry[] = [];
  for (const record of splitRecords(bytes).records) {
    const opened = openEntry(key, record.sealed);
    if (!opened) continue;
    const { entry } = opened;
    if (filter.since && entry.at < filter.since) continue;
    if (filter.action && entry.action !== filter.action) continue;
    if (filter.meetingId && entry.meetingId !== filter.meetingId) continue;
    entries.push(entry);
  }
  return entries;
}

function range(from: number, to: number): string {
  return from === to ? `entry ${from} is missing` : `entries ${from} to ${to} are missing`;
}

/**
 * Walks the whole chain: every entry must open (else it was changed), carry
 * the next number (else one is missing or two were swapped), hash to what
 * it says and name its predecessor's hash; the last one must be the sealed
 * head (else the tail was cut off).
 */
export function verifyRecords(key: Buffer, bytes: Buffer | null, head: AuditHead): AuditReport {
  const problems: AuditProblem[] = [];
  const add = (entry: number, kind: AuditProblem['kind'], message: string) =>
    problems.push({ entry, kind, message });
  const { records, torn } = bytes ? splitRecords(bytes) : { records: [], torn: false };
  const opened = records.map((r) => openLink(key, r.sealed));
  let expected = 1;
  let previous: string | undefined = GENESIS;
  let lastHashOfHead: string | undefined;
  for (let i = 0; i < opened.length; i++) {
    const current = opened[i];
    if (!current) {
      add(
        expected,
        'changed',
        `entry ${expected} was changed (it no longer opens with the trail's key)`,
      );
      expected += 1;
      previous = undefined;
      continue;
    }
    const entry = current;
    const { hashOk } = current;
    if (entry.seq > expected) {
      const next = opened[i + 1];
      if (next && next.seq === expected) {
        add(expected, 'out-of-order', `entries ${expected} and ${entry.seq} were swapped`);
        // The pair is judged on its own hashes; the chain goes on from the later one.
        if (next.prev !== previous && previous !== undefined)
          add(
            expected,
            'changed',
            `entry ${expected} was changed (it does not follow entry ${expected - 1})`,
          );
        if (!hashOk || !next.hashOk)
          add(entry.seq, 'changed', `entry ${hashOk ? expected : entry.seq} was changed`);
        i += 1;
        expected = entry.seq + 1;
        previous = entry.hash;
        if (entry.seq === head.count) lastHashOfHead = entry.hash;
        continue;
      }
      add(expected, 'missing', range(expected, entry.seq - 1));
      // Its predecessor is gone: its own link cannot be judged.
      previous = undefined;
    } else if (entry.seq < expected) {
      add(
        entry.seq,
        'out-of-order',
        `entry ${entry.seq} appears again after entry ${expected - 1}`,
      );
      continue;
    }
    if (!hashOk) {
      add(
        entry.seq,
        'changed',
        `entry ${entry.seq} was changed (its content does not match its hash)`,
      );
    } else if (previous !== undefined && entry.prev !== previous) {
      add(
        entry.seq,
        'changed',
        `entry ${entry.seq - 1} was changed (entry ${entry.seq} no longer follows it)`,
      );
    }
    if (entry.seq === head.count) lastHashOfHead = entry.hash;
    previous = entry.hash;
    expected = entry.seq + 1;
  }
  if (torn)
    add(expected, 'torn', `entry ${expected} was cut off half-way (the file ends inside it)`);
  const count = expected - 1;
  if (head.damaged) {
    add(
      0,
      'head',
      'the sealed head of the trail is damaged: entries cut off its end cannot be seen',
    );
  }
  if (count < head.count) {
    add(count + 1, 'missing', `${range(count + 1, head.count)} (the trail was cut short)`);
  } else if (head.count > 0 && lastHashOfHead !== undefined && lastHashOfHead !== head.hash) {
    add(
      head.count,
      'changed',
      `entry ${head.count} was changed (it is not the sealed head of the trail)`,
    );
  }
  return { ok: problems.length === 0, entries: count, head: head.hash, problems };
}

export async function verifyAudit(vault: Vault): Promise<AuditReport> {
  const key = await auditKey(vault);
  const head = await storedHead(vault);
  return verifyRecords(key, await readIfExists(auditPath(vault)), head);
}
