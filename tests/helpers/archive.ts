import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { deriveKey, newKdfParams, seal } from '../../src/core/vault/crypto.js';

/**
 * Writes a transfer archive record by record, as an attacker who knows the
 * format (docs/architecture.md, src/core/meetings/archive.ts) would: every
 * record correctly sealed, the content chosen freely.
 */
export interface CraftedRecord {
  meta: Record<string, unknown>;
  bytes?: Uint8Array;
}

export async function craftArchive(
  path: string,
  passphrase: Buffer,
  records: CraftedRecord[],
  options: { kdf?: Record<string, unknown>; endRecord?: boolean } = {},
): Promise<void> {
  const honest = newKdfParams({ N: 2 ** 10, r: 8, p: 1 });
  const header = {
    format: 'greffier-archive',
    version: 1,
    archiveId: randomUUID(),
    createdAt: new Date().toISOString(),
    kdf: options.kdf ?? honest,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const headerHash = createHash('sha256').update(headerBytes).digest('hex');
  const parts: Buffer[] = [];
  const length = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  parts.push(Buffer.from('GRFARC01'), length(headerBytes.length), headerBytes);
  // A crafted header's parameters may be absurd: the records are sealed with an honest key then.
  const key = await deriveKey(passphrase, options.kdf ? honest : (header.kdf as typeof honest));
  const all = [...records];
  if (options.endRecord !== false) {
    const meetings = records.filter((r) => r.meta.type === 'meeting').map((r) => r.meta.meetingId);
    all.push({ meta: { type: 'end', records: records.length, meetings } });
  }
  all.forEach((record, index) => {
    const meta = Buffer.from(JSON.stringify(record.meta));
    const payload = Buffer.concat([length(meta.length), meta, Buffer.from(record.bytes ?? [])]);
    const sealed = seal(key, payload, `greffier:archive:v1:${headerHash}:${index}`);
    parts.push(length(sealed.length), sealed);
  });
  key.fill(0);
  writeFileSync(path, Buffer.concat(parts));
}

/** A meeting record's payload as exportArchive writes it. */
export function meetingEntry(id: string, title: string, segments: unknown[] = []): Buffer {
  const now = new Date().toISOString();
  return Buffer.from(
    JSON.stringify({
      meeting: {
        id,
        title,
        startedAt: now,
        durationMs: 0,
        language: 'fr',
        status: 'ready',
        speakers: [],
        audio: { sampleRate: 16000, channels: 1, chunks: 0, samples: 0 },
        segmentCount: segments.length,
        hasSummary: false,
        createdAt: now,
        updatedAt: now,
      },
      segments,
    }),
  );
}
