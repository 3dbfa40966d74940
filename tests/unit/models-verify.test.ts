import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelCatalogue } from '../../src/core/models/catalogue.js';
import {
  detectModelFormat,
  ensureModelUnchanged,
  sha256File,
  verifyModelFile,
} from '../../src/core/models/verify.js';
import { GreffierError } from '../../src/core/errors.js';

const scratch = mkdtempSync(join(tmpdir(), 'greffier-verify-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function ggufBytes(fill: number): Buffer {
  const bytes = Buffer.alloc(4096, fill);
  bytes.write('GGUF', 0, 'latin1');
  bytes.writeUInt32LE(3, 4);
  return bytes;
}

function whisperBytes(): Buffer {
  const bytes = Buffer.alloc(4096, 7);
  bytes.writeUInt32LE(0x67676d6c, 0);
  [51865, 1500, 64, 2, 1, 448, 64, 2, 1, 80, 1].forEach((v, i) => bytes.writeInt32LE(v, 4 + i * 4));
  return bytes;
}

function vadBytes(): Buffer {
  const bytes = Buffer.alloc(2048, 3);
  bytes.writeUInt32LE(0x67676d6c, 0);
  bytes.writeInt32LE(10, 4);
  bytes.write('silero-16k', 8, 'latin1');
  return bytes;
}

function file(name: string, bytes: Buffer): string {
  const dir = join(scratch, Math.random().toString(36).slice(2));
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const LISTED_LLM = ggufBytes(1);
const LISTED_ASR = whisperBytes();
const entry = (over: Partial<ModelCatalogue['models'][number]>) => ({
  id: 'x',
  name: 'X',
  kind: 'llm' as const,
  fileName: 'x.gguf',
  sizeBytes: 1,
  sha256: null,
  sha256Confirmed: false,
  checksumSource: 'test',
  licence: 'MIT',
  languages: ['fr'],
  ramMB: 1,
  source: 'https://example.org/x',
  ...over,
});
const catalogue: ModelCatalogue = {
  version: 1,
  models: [
    entry({
      id: 'listed-llm',
      name: 'Listed LLM',
      fileName: 'listed.gguf',
      sizeBytes: LISTED_LLM.length,
      sha256: sha(LISTED_LLM),
      sha256Confirmed: true,
    }),
    entry({
      id: 'listed-asr',
      name: 'Listed whisper',
      kind: 'asr',
      fileName: 'ggml-listed.bin',
      sizeBytes: LISTED_ASR.length,
      sha256: sha(LISTED_ASR),
      sha256Confirmed: true,
    }),
    entry({ id: 'pending', name: 'Pending LLM', fileName: 'pending.gguf' }),
  ],
};

async function failure(promise: Promise<unknown>): Promise<GreffierError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GreffierError);
    return error as GreffierError;
  }
  throw new Error('expected a failure');
}

describe('sha256File', () => {
  it('hashes a file in a stream like the one-shot hash', async () => {
    const bytes = Buffer.alloc(3 * (1 << 20) + 17, 9);
    expect(await sha256File(file('big.bin', bytes))).toBe(sha(bytes));
  });
});

describe('detectModelFormat', () => {
  it('tells GGUF, whisper, Silero VAD, empty and other files apart', async () => {
    expect(await detectModelFormat(file('a.gguf', ggufBytes(0)))).toBe('gguf');
    expect(await detectModelFormat(file('w.bin', whisperBytes()))).toBe('whisper');
    expect(await detectModelFormat(file('v.bin', vadBytes()))).toBe('vad');
    expect(await detectModelFormat(file('e.bin', Buffer.alloc(0)))).toBe('empty');
    expect(await detectModelFormat(file('t.txt', Buffer.from('hello world')))).toBe('other');
  });
});

describe('verifyModelFile', () => {
  it('matches a file to its confirmed catalogue entry by checksum, whatever its name', async () => {
    const verified = await verifyModelFile(file('renamed.gguf', LISTED_LLM), 'llm', { catalogue });
    expect(verified.entry?.id).toBe('listed-llm');
    expect(verified.sha256).toBe(sha(LISTED_LLM));
    expect(verified.size).toBe(LISTED_LLM.length);
    expect(verified.warning).toBeUndefined();
  });

  it('refuses a file given with the wrong kind (exit 2), naming what it is', async () => {
    const error = await failure(
      verifyModelFile(file('w.bin', whisperBytes()), 'llm', { catalogue }),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(
      /is a whisper\.cpp speech-recognition model .*not a GGUF language model/,
    );
    expect(error.hint).toMatch(/--kind asr/);
    const vad = await failure(verifyModelFile(file('v.bin', vadBytes()), 'asr', { catalogue }));
    expect(vad.message).toMatch(/Silero voice-activity model/);
    const text = await failure(
      verifyModelFile(file('n.txt', Buffer.from('hello')), 'asr', { catalogue }),
    );
    expect(text.message).toMatch(/not a model file Greffier knows/);
  });

  it('refuses a catalogued file used as another kind of model', async () => {
    const error = await failure(
      verifyModelFile(file('renamed.gguf', LISTED_LLM), 'embedding', { catalogue }),
    );
    expect(error.message).toMatch(/is the catalogue's Listed LLM/);
    expect(error.hint).toBe('add it with --kind llm');
  });

  it('refuses a file with a catalogue name but other bytes, even when trusted', async () => {
    const tampered = Buffer.from(LISTED_LLM);
    tampered[100] = 0xff - (tampered[100] ?? 0);
    const path = file('listed.gguf', tampered);
    for (const trustUnlisted of [false, true]) {
      const error = await failure(verifyModelFile(path, 'llm', { catalogue, trustUnlisted }));
      expect(error.code).toBe('model-checksum');
      expect(error.message).toMatch(/has the name of the catalogue's Listed LLM but not its bytes/);
      expect(error.message).toContain(sha(LISTED_LLM));
    }
  });

  it('refuses an unlisted file unless trusted explicitly, then warns', async () => {
    const path = file('mine.gguf', ggufBytes(2));
    const error = await failure(verifyModelFile(path, 'llm', { catalogue }));
    expect(error.code).toBe('model-unlisted');
    expect(error.message).toMatch(/is not in the model catalogue \(SHA-256 [0-9a-f]{64}\)/);
    expect(error.hint).toMatch(/--trust-unlisted/);
    const trusted = await verifyModelFile(path, 'llm', { catalogue, trustUnlisted: true });
    expect(trusted.entry).toBeUndefined();
    expect(trusted.warning).toMatch(/not vouched for by the catalogue/);
  });

  it('refuses a catalogue entry whose checksum is not confirmed unless trusted', async () => {
    const path = file('pending.gguf', ggufBytes(4));
    const error = await failure(verifyModelFile(path, 'llm', { catalogue }));
    expect(error.message).toMatch(/Pending LLM, whose checksum is not confirmed/);
    const trusted = await verifyModelFile(path, 'llm', { catalogue, trustUnlisted: true });
    expect(trusted.warning).toBeDefined();
  });

  it('refuses a missing file and a folder with clear errors', async () => {
    const missing = await failure(
      verifyModelFile(join(scratch, 'nope.gguf'), 'llm', { catalogue }),
    );
    expect(missing.message).toMatch(/does not exist/);
    const folder = await failure(verifyModelFile(scratch, 'llm', { catalogue }));
    expect(folder.message).toMatch(/is not a model file \(it is a folder\)/);
  });
});

describe('ensureModelUnchanged', () => {
  it('accepts the verified bytes, a touched file with the same bytes, and refuses changed bytes', async () => {
    const bytes = ggufBytes(5);
    const path = file('m.gguf', bytes);
    const v = await verifyModelFile(path, 'llm', { catalogue, trustUnlisted: true });
    const first = await ensureModelUnchanged({
      path,
      sha256: v.sha256,
      size: v.size,
      mtimeMs: v.mtimeMs,
    });
    expect(first).toMatchObject({ size: v.size, mtimeMs: v.mtimeMs, ino: expect.any(Number) });
    const record = { path, sha256: v.sha256, ...first };
    expect(await ensureModelUnchanged(record)).toEqual(first);

    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const touched = await ensureModelUnchanged(record);
    expect(touched.mtimeMs).not.toBe(v.mtimeMs);

    const altered = Buffer.from(bytes);
    altered[2000] = (altered[2000] ?? 0) + 1;
    writeFileSync(path, altered);
    const sameSize = await failure(ensureModelUnchanged(record));
    expect(sameSize.code).toBe('model-changed');
    expect(sameSize.message).toMatch(
      /changed since it was verified \(SHA-256 [0-9a-f]{64} instead of/,
    );

    writeFileSync(path, Buffer.concat([bytes, Buffer.from('x')]));
    const grown = await failure(ensureModelUnchanged(record));
    expect(grown.message).toMatch(/4097 bytes instead of 4096/);
  });

  it('hashes again when only size and mtime are recorded (an older record), or with full', async () => {
    const path = file('f.gguf', ggufBytes(6));
    const v = await verifyModelFile(path, 'llm', { catalogue, trustUnlisted: true });
    const forged = { path, sha256: '0'.repeat(64), size: v.size, mtimeMs: v.mtimeMs };
    await failure(ensureModelUnchanged(forged));
    const fingerprint = await ensureModelUnchanged({ ...forged, sha256: v.sha256 });
    // With a whole fingerprint recorded, the cheap check trusts it; full does not.
    expect(await ensureModelUnchanged({ ...forged, ...fingerprint })).toEqual(fingerprint);
    await failure(ensureModelUnchanged({ ...forged, ...fingerprint }, { full: true }));
  });

  it('catches bytes swapped in place with size and mtime restored (ctime moved)', async () => {
    const bytes = ggufBytes(7);
    const path = file('s.gguf', bytes);
    const v = await verifyModelFile(path, 'llm', { catalogue, trustUnlisted: true });
    const record = { path, sha256: v.sha256, ...(await ensureModelUnchanged(v)) };
    const swapped = Buffer.from(bytes);
    swapped[3000] = (swapped[3000] ?? 0) ^ 0xff;
    writeFileSync(path, swapped);
    utimesSync(path, new Date(v.mtimeMs), new Date(v.mtimeMs));
    const error = await failure(ensureModelUnchanged(record));
    expect(error.code).toBe('model-changed');
    expect(error.message).toContain(path);
  });
});
