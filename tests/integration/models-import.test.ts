import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModelsFromFolder } from '../../src/core/models/import.js';
import { installedModelViews } from '../../src/core/models/installed.js';
import {
  EMBEDDING_TINY_SYNTH,
  LLM_TINY_SYNTH,
  writeLlmModel,
  writeVoiceModel,
} from '../../src/core/models/synth/index.js';
import type { Vault } from '../../src/core/vault/vault.js';
import { sharedFile, sharedFileMissing } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { createTestVault } from '../helpers/vault.js';

// A "USB drive" folder imported into a real encrypted vault.
const SHARED_VAD = sharedFile('ggml-silero-v6.2.0.bin') ?? '';
const hasVad = SHARED_VAD !== '';
if (!hasVad) {
  console.warn(
    `the Silero part of the import test is skipped: ${sharedFileMissing('ggml-silero-v6.2.0.bin')}`,
  );
}

/** A GGUF v3 file with metadata only (no tensors): all a kind check reads. */
function ggufHeader(metadata: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const text = (v: string) => Buffer.concat([u64(Buffer.byteLength(v)), Buffer.from(v)]);
  parts.push(Buffer.from('GGUF'), u32(3), u64(0), u64(Object.keys(metadata).length));
  for (const [key, value] of Object.entries(metadata)) {
    parts.push(text(key));
    parts.push(
      typeof value === 'string'
        ? Buffer.concat([u32(8), text(value)])
        : Buffer.concat([u32(4), u32(value)]),
    );
  }
  return Buffer.concat(parts);
}

const root = mkdtempSync(join(tmpdir(), 'greffier-import-'));
const drive = join(root, 'usb');
const modelsDir = join(root, 'home', 'models');
let vault: Vault;

beforeAll(async () => {
  const models = await testModels();
  mkdirSync(drive);
  copyFileSync(models.whisper, join(drive, 'whisper-synth.bin'));
  copyFileSync(models.llm, join(drive, 'llm-synth.gguf'));
  if (hasVad) copyFileSync(SHARED_VAD, join(drive, 'ggml-silero-v6.2.0.bin'));
  writeFileSync(join(drive, 'notes.txt'), 'not a model');
  writeFileSync(join(drive, 'half.gguf.part'), 'GGUF');
  vault = (await createTestVault(join(root, 'vault'))).vault;
});
afterAll(async () => {
  await vault?.lock();
  rmSync(root, { recursive: true, force: true });
});

describe('importing the models of a folder', () => {
  it('installs catalogued files, skips unlisted ones and non-models, saying why', async () => {
    const result = await importModelsFromFolder(vault, drive, { modelsDir });
    expect(result.imported.map((m) => [m.kind, m.catalogueId])).toEqual(
      hasVad ? [['vad', 'silero-vad-v6.2.0']] : [],
    );
    expect(result.skipped).toEqual([
      expect.stringMatching(/^llm-synth\.gguf: .* is not in the model catalogue/),
      'notes.txt: not a model file',
      expect.stringMatching(/^whisper-synth\.bin: .* is not in the model catalogue/),
    ]);
  });

  it('with trust, installs the unlisted ones by kind, with warnings and one default per kind', async () => {
    const result = await importModelsFromFolder(vault, drive, { modelsDir, trustUnlisted: true });
    expect(result.imported.map((m) => m.kind).sort()).toEqual(
      hasVad ? ['asr', 'llm', 'vad'] : ['asr', 'llm'],
    );
    expect(result.warnings).toHaveLength(2);
    expect(result.skipped).toEqual(['notes.txt: not a model file']);
    const views = installedModelViews(vault.getSettings());
    expect(
      views
        .filter((v) => v.isDefault)
        .map((v) => v.kind)
        .sort(),
    ).toEqual(hasVad ? ['asr', 'llm', 'vad'] : ['asr', 'llm']);
    expect(views.find((v) => v.kind === 'llm')?.verification).toBe('trusted-unlisted');
  });

  it('keeps the default a user chose when importing again', async () => {
    const other = join(root, 'other');
    mkdirSync(other);
    copyFileSync(join(drive, 'llm-synth.gguf'), join(other, 'second.gguf'));
    await importModelsFromFolder(vault, other, { modelsDir, trustUnlisted: true });
    const llms = installedModelViews(vault.getSettings()).filter((v) => v.kind === 'llm');
    expect(llms.map((v) => [v.fileName, v.isDefault])).toEqual([
      ['llm-synth.gguf', true],
      ['second.gguf', false],
    ]);
  });

  it('tells an embedding GGUF from a chat GGUF by metadata, not by name', async () => {
    const mixed = join(root, 'mixed');
    mkdirSync(mixed);
    // Names that lie: the embedding model says nothing of it, the chat model claims to embed.
    writeLlmModel(join(mixed, 'vecteurs-fr.gguf'), EMBEDDING_TINY_SYNTH, 3);
    writeLlmModel(join(mixed, 'embeddings.gguf'), LLM_TINY_SYNTH, 4);
    writeFileSync(join(mixed, 'minilm.gguf'), ggufHeader({ 'general.architecture': 'bert' }));
    writeFileSync(
      join(mixed, 'reranker.gguf'),
      ggufHeader({ 'general.architecture': 'qwen3', 'qwen3.pooling_type': 4 }),
    );
    const result = await importModelsFromFolder(vault, mixed, { modelsDir, trustUnlisted: true });
    const byName = (name: string) => result.imported.find((m) => m.source.endsWith(`/${name}`));
    // Files go in name order: the first embedding model becomes the default, not the next.
    expect(byName('minilm.gguf')).toMatchObject({ kind: 'embedding', default: true });
    expect(byName('vecteurs-fr.gguf')).toMatchObject({ kind: 'embedding', default: false });
    // An llm default exists already: a later import does not replace it.
    expect(byName('embeddings.gguf')).toMatchObject({ kind: 'llm', default: false });
    expect(result.skipped).toEqual([
      expect.stringMatching(/^reranker\.gguf: a GGUF reranking model/),
    ]);
    const settings = vault.getSettings();
    expect(settings.models.embedding?.find((m) => m.default)?.path).toBe(
      join(modelsDir, 'minilm.gguf'),
    );
  });

  it('takes a voice with its companions, and does not call them « not a model »', async () => {
    // The walk: importing the folder `models synth` writes a voice into listed its
    // voice-synth.onnx.json under « Non importés », though it was copied with the voice.
    for (const layout of ['piper', 'sherpa'] as const) {
      const folder = join(root, `voice-${layout}`);
      writeVoiceModel(folder, 7, undefined, layout);
      writeFileSync(join(folder, 'lisez-moi.json'), '{}');
      const result = await importModelsFromFolder(vault, folder, {
        modelsDir,
        trustUnlisted: true,
      });
      expect(result.imported.map((m) => m.kind)).toEqual(['speech']);
      expect(result.skipped).toEqual(['lisez-moi.json: not a model file']);
    }
  });

  it('refuses a whisper model cut short, even trusted, and keeps no copy', async () => {
    // The walk: a whisper file cut at 100 kB was accepted and made the default; every
    // transcription then failed with « Le fichier du modèle est tronqué ».
    const models = await testModels();
    const whole = readFileSync(models.whisper);
    const cut = join(root, 'cut');
    mkdirSync(cut);
    writeFileSync(join(cut, 'a-in-vocabulary.bin'), whole.subarray(0, 100_000));
    writeFileSync(join(cut, 'b-in-weights.bin'), whole.subarray(0, whole.length - 1000));
    const result = await importModelsFromFolder(vault, cut, { modelsDir, trustUnlisted: true });
    expect(result.imported).toEqual([]);
    expect(result.skipped).toEqual([
      expect.stringMatching(/^a-in-vocabulary\.bin: .* is cut short/),
      expect.stringMatching(/^b-in-weights\.bin: .* is cut short/),
    ]);
    const copies = readdirSync(modelsDir).filter((name) => /^(a-in|b-in)/.test(name));
    expect(copies).toEqual([]);
  });

  it('says which subfolders it left out (speaker and voice models are imported on their own)', async () => {
    const usb = mkdtempSync(join(root, 'usb-folders-'));
    writeFileSync(join(usb, 'notes.txt'), 'not a model');
    mkdirSync(join(usb, 'speakers'));
    mkdirSync(join(usb, 'speech'));
    mkdirSync(join(usb, '.cache'));
    const result = await importModelsFromFolder(vault, usb, { modelsDir });
    expect(result.skipped).toEqual([
      'notes.txt: not a model file',
      'speakers/: a folder (import it on its own)',
      'speech/: a folder (import it on its own)',
    ]);
  });

  it('refuses a folder that does not exist', async () => {
    await expect(importModelsFromFolder(vault, join(root, 'nope'), { modelsDir })).rejects.toThrow(
      /the folder .*nope does not exist/,
    );
  });
});
