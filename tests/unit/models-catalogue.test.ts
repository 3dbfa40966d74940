import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cataloguePath,
  entryByFileName,
  entryBySha256,
  loadCatalogue,
} from '../../src/core/models/catalogue.js';
import { sha256File } from '../../src/core/models/verify.js';
import { sharedFile, sharedFileMissing } from '../helpers/fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'greffier-catalogue-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SHARED_VAD = sharedFile('ggml-silero-v6.2.0.bin');
const SHARED_VAD_MISSING = sharedFileMissing('ggml-silero-v6.2.0.bin');

describe('the shipped model catalogue', () => {
  const catalogue = loadCatalogue(cataloguePath({}));

  it('covers every kind with real French/English choices', () => {
    const kinds = new Set(catalogue.models.map((m) => m.kind));
    expect([...kinds].sort()).toEqual([
      'asr',
      'embedding',
      'llm',
      'segmentation',
      'speech',
      'vad',
      'voiceprint',
    ]);
    const ids = catalogue.models.map((m) => m.id);
    for (const id of [
      'whisper-base-q5_1',
      'whisper-small-q5_1',
      'whisper-large-v3-turbo-q5_0',
      'silero-vad-v6.2.0',
      'qwen2.5-1.5b-instruct-q4_k_m',
      'lucie-7b-instruct-v1.1-q4_k_m',
      'piper-fr-fr-siwis-medium',
      'piper-en-us-lessac-medium',
    ]) {
      expect(ids).toContain(id);
    }
    expect(catalogue.models.filter((m) => m.kind === 'embedding').length).toBeGreaterThan(0);
  });

  it('gives a checksum and size exactly when the checksum is confirmed', () => {
    for (const m of catalogue.models) {
      if (m.sha256Confirmed) {
        expect(m.sha256, m.id).toMatch(/^[0-9a-f]{64}$/);
        expect(m.sizeBytes, m.id).toBeGreaterThan(0);
      } else {
        expect(m.sha256, m.id).toBeNull();
      }
      expect(m.source, m.id).toMatch(/^https:\/\//);
    }
    // An unconfirmed entry can never be matched by checksum.
    const lucie = entryByFileName(catalogue, 'Lucie-7B-Instruct-v1.1-q4_k_m.gguf');
    expect(lucie?.sha256Confirmed).toBe(false);
  });

  it.skipIf(SHARED_VAD === undefined)(
    "matches the real Silero VAD file's SHA-256 and size",
    async () => {
      const entry = entryBySha256(catalogue, await sha256File(SHARED_VAD!));
      expect(entry?.id).toBe('silero-vad-v6.2.0');
      expect(entry?.sizeBytes).toBe(885098);
    },
  );
  if (SHARED_VAD_MISSING) console.warn(`skipping the Silero checksum check: ${SHARED_VAD_MISSING}`);
});

describe('loading a catalogue', () => {
  it('refuses a missing file with a clear error', () => {
    expect(() => loadCatalogue(join(scratch, 'none.json'))).toThrow(/cannot be read \(ENOENT\)/);
  });

  it('refuses bad JSON and a confirmed entry without a checksum', () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadCatalogue(bad)).toThrow(/is not valid JSON/);
    const unconfirmed = join(scratch, 'unconfirmed.json');
    writeFileSync(
      unconfirmed,
      JSON.stringify({
        version: 1,
        models: [
          {
            id: 'x',
            name: 'X',
            kind: 'llm',
            fileName: 'x.gguf',
            sizeBytes: null,
            sha256: null,
            sha256Confirmed: true,
            checksumSource: 'none',
            licence: 'MIT',
            languages: ['fr'],
            ramMB: 1,
            source: 'https://example.org/x.gguf',
          },
        ],
      }),
    );
    expect(() => loadCatalogue(unconfirmed)).toThrow(/must give its sha256 and sizeBytes/);
  });
});
