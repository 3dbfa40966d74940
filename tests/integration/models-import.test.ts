import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModelsFromFolder } from '../../src/core/models/import.js';
import { installedModelViews } from '../../src/core/models/installed.js';
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

  it('refuses a folder that does not exist', async () => {
    await expect(importModelsFromFolder(vault, join(root, 'nope'), { modelsDir })).rejects.toThrow(
      /the folder .*nope does not exist/,
    );
  });
});
