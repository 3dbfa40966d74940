import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { loadCatalogue, cataloguePath } from '../../src/core/models/catalogue.js';
import { requireModel } from '../../src/core/models/resolver.js';
import { sha256File } from '../../src/core/models/verify.js';
import { Vault } from '../../src/core/vault/vault.js';
import type { ModelView } from '../../src/shared/api.js';
import { testModels } from '../helpers/models.js';
import { createTestVault, TEST_PASSPHRASE } from '../helpers/vault.js';

// The real CLI on a real encrypted vault, with the generated models and a
// catalogue that vouches for the generated LLM (so "verified" is reachable).
const home = mkdtempSync(join(tmpdir(), 'greffier-models-cli-'));
const resources = join(home, 'resources');
const passFile = join(home, 'pass');
const env = { GREFFIER_HOME: home, GREFFIER_RESOURCES: resources };
// Where IT's files arrive (a USB drive); "models add" copies them into home/models.
const drop = join(home, 'drop');
const installedAt = (name: string) => join(home, 'models', name);
let whisper: string;
let llm: string;

beforeAll(async () => {
  const models = await testModels();
  // Copies, so tests may alter them without touching the shared cache.
  mkdirSync(drop);
  whisper = join(drop, 'whisper-synth.bin');
  llm = join(drop, 'llm-synth.gguf');
  copyFileSync(models.whisper, whisper);
  copyFileSync(models.llm, llm);
  const real = loadCatalogue(cataloguePath({}));
  const { size } = statSync(llm);
  real.models.push({
    id: 'llm-synth-test',
    name: 'Generated test LLM',
    kind: 'llm',
    fileName: 'llm-synth.gguf',
    sizeBytes: size,
    sha256: await sha256File(llm),
    sha256Confirmed: true,
    checksumSource: 'computed by this test',
    licence: 'project-generated',
    languages: ['fr', 'en'],
    ramMB: 16,
    source: 'https://example.invalid/llm-synth.gguf',
  });
  mkdirSync(resources);
  writeFileSync(join(resources, 'models-catalogue.json'), JSON.stringify(real));
  writeFileSync(passFile, TEST_PASSPHRASE);
  const open = await createTestVault(join(home, 'vault'));
  await open.vault.lock();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function cli(argv: string[]) {
  return runGreffier(env, argv);
}

async function listed(): Promise<ModelView[]> {
  const result = await cli(['models', 'list', '--json', '--passphrase-file', passFile]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ModelView[];
}

async function withVault<T>(use: (vault: Vault) => Promise<T>): Promise<T> {
  const vault = await Vault.open(join(home, 'vault'), Buffer.from(TEST_PASSPHRASE), {
    autoLockMinutes: 0,
  });
  try {
    return await use(vault);
  } finally {
    await vault.lock();
  }
}

describe('greffier models add / list', () => {
  it('adds a catalogued model as verified and default', async () => {
    const result = await cli([
      'models',
      'add',
      llm,
      '--kind',
      'llm',
      '--passphrase-file',
      passFile,
    ]);
    expect(result.stderr).toBe(`greffier: ${llm} copied to ${installedAt('llm-synth.gguf')}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Generated test LLM');
    expect(await listed()).toEqual([
      {
        kind: 'llm',
        fileName: 'llm-synth.gguf',
        path: installedAt('llm-synth.gguf'),
        sizeBytes: expect.any(Number),
        verification: 'verified',
        isDefault: true,
      },
    ]);
  });

  it('refuses an unlisted model (exit 1) and accepts it with --trust-unlisted and a warning', async () => {
    const refused = await cli([
      'models',
      'add',
      whisper,
      '--kind',
      'asr',
      '--passphrase-file',
      passFile,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /is not in the model catalogue .*— check the file with its publisher/,
    );
    const trusted = await cli([
      'models',
      'add',
      whisper,
      '--kind',
      'asr',
      '--trust-unlisted',
      '--passphrase-file',
      passFile,
    ]);
    expect(trusted.code).toBe(0);
    expect(trusted.stderr).toMatch(
      /warning: whisper-synth\.bin is not vouched for by the catalogue/,
    );
    const asr = (await listed()).filter((m) => m.kind === 'asr');
    expect(asr).toMatchObject([{ verification: 'trusted-unlisted', isDefault: true }]);
  });

  it('makes the latest added model of a kind the default', async () => {
    const second = join(drop, 'second.gguf');
    copyFileSync(llm, second);
    const result = await cli([
      'models',
      'add',
      second,
      '--kind',
      'llm',
      '--passphrase-file',
      passFile,
    ]);
    expect(result.code).toBe(0);
    const llms = (await listed()).filter((m) => m.kind === 'llm');
    expect(llms.map((m) => [m.path, m.isDefault])).toEqual([
      [installedAt('llm-synth.gguf'), false],
      [installedAt('second.gguf'), true],
    ]);
  });

  it('refuses the wrong --kind with exit 2 before asking for the passphrase', async () => {
    const result = await cli(['models', 'add', whisper, '--kind', 'llm']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /is a whisper\.cpp speech-recognition model .* — give --kind asr/,
    );
  });

  it.each([
    [['models', 'add', '--kind', 'llm'], /give the model file to add/],
    [['models', 'add', 'a', 'b', '--kind', 'llm'], /takes one file, not 2/],
    [['models', 'add', 'x.gguf'], /--kind is required/],
    [
      ['models', 'add', 'x.gguf', '--kind', 'whisper'],
      /--kind takes asr, vad, llm, embedding, segmentation, voiceprint, speech, not "whisper"/,
    ],
    [['models', 'list', 'extra'], /unexpected argument "extra"/],
  ])('refuses bad usage %j with exit 2', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('says when there is no vault (exit 1)', async () => {
    const { code, stderr: err } = await runGreffier({ GREFFIER_HOME: join(home, 'elsewhere') }, [
      'models',
      'list',
      '--passphrase-file',
      passFile,
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(
      /there is no vault in .*elsewhere.* — create one with "greffier vault init"/,
    );
  });

  it('refuses to load a default model whose bytes changed, and lists it as changed', async () => {
    const source = join(drop, 'third.gguf');
    const path = installedAt('third.gguf');
    copyFileSync(llm, source);
    expect(
      (await cli(['models', 'add', source, '--kind', 'llm', '--passphrase-file', passFile])).code,
    ).toBe(0);
    await withVault(async (vault) => {
      expect(await requireModel(vault, 'llm')).toBe(path);
    });
    writeFileSync(path, Buffer.from('GGUF and then something else entirely'));
    expect((await listed()).find((m) => m.path === path)?.verification).toBe('changed');
    await withVault(async (vault) => {
      await expect(requireModel(vault, 'llm')).rejects.toThrow(
        /the model .*third\.gguf changed since it was verified \(\d+ bytes instead of \d+\); it will not be loaded/,
      );
    });
  });

  it('refuses a catalogued model given as another kind', async () => {
    const result = await cli([
      'models',
      'add',
      llm,
      '--kind',
      'embedding',
      '--passphrase-file',
      passFile,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /is the catalogue's Generated test LLM.* — add it with --kind llm/,
    );
  });

  it('reports a missing model file in the list', async () => {
    const source = join(drop, 'gone.bin');
    const path = installedAt('gone.bin');
    copyFileSync(whisper, source);
    const added = await cli([
      'models',
      'add',
      source,
      '--kind',
      'asr',
      '--trust-unlisted',
      '--passphrase-file',
      passFile,
    ]);
    expect(added.code).toBe(0);
    rmSync(path);
    expect((await listed()).find((m) => m.path === path)).toMatchObject({
      kind: 'asr',
      verification: 'missing',
      isDefault: true,
    });
    expect(existsSync(path)).toBe(false);
  });
});

describe('greffier models import', () => {
  it('fails with exit 1 when nothing can be imported, listing why, then imports with trust', async () => {
    const usb = join(home, 'usb');
    mkdirSync(usb);
    copyFileSync(whisper, join(usb, 'other-whisper.bin'));
    writeFileSync(join(usb, 'readme.txt'), 'hello');
    const refused = await cli(['models', 'import', usb, '--passphrase-file', passFile]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /skipped {2}other-whisper\.bin: .* is not in the model catalogue/,
    );
    expect(refused.stdout).toMatch(/skipped {2}readme\.txt: not a model file/);
    expect(refused.stderr).toMatch(/no model could be imported from .*usb — see the reasons above/);
    const trusted = await cli([
      'models',
      'import',
      usb,
      '--trust-unlisted',
      '--passphrase-file',
      passFile,
    ]);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(/imported asr\t.*other-whisper\.bin\tunlisted \(trusted\)/);
    expect(trusted.stderr).toMatch(/warning: other-whisper\.bin is not vouched for/);
  });

  it('refuses a missing folder argument with exit 2', async () => {
    const result = await cli(['models', 'import']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/give the folder to import/);
  });
});

describe('greffier models check', () => {
  it('rehashes every installed model and fails (exit 1) naming the changed and missing ones', async () => {
    const result = await cli(['models', 'check', '--json', '--passphrase-file', passFile]);
    expect(result.code).toBe(1);
    const checks = JSON.parse(result.stdout) as { path: string; status: string }[];
    const status = (name: string) => checks.find((c) => c.path.endsWith(name))?.status;
    expect(status('/llm-synth.gguf')).toBe('unchanged');
    expect(status('/whisper-synth.bin')).toBe('unchanged');
    expect(status('/third.gguf')).toBe('changed');
    expect(status('/gone.bin')).toBe('missing');
    expect(result.stderr).toMatch(/installed model\(s\) changed or missing: .*third\.gguf/);
  });
});

describe('greffier models vad', () => {
  it('shows the setting, turns it off and on again, and refuses other words', async () => {
    const shown = await cli(['models', 'vad', '--passphrase-file', passFile]);
    expect(shown.stdout).toMatch(/^vad on \(no VAD model installed/);
    expect((await cli(['models', 'vad', 'off', '--passphrase-file', passFile])).stdout).toMatch(
      /^vad off/,
    );
    expect(await withVault(async (vault) => vault.getSettings().useVad)).toBe(false);
    expect((await cli(['models', 'vad', 'on', '--passphrase-file', passFile])).stdout).toMatch(
      /^vad on/,
    );
    const bad = await cli(['models', 'vad', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/takes on or off/);
  });
});

describe('greffier models catalogue', () => {
  it('lists the shipped entries, saying which checksums are confirmed', async () => {
    const result = await cli(['models', 'catalogue']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/asr\s+whisper-base-q5_1 .*sha256 confirmed\s+MIT/);
    expect(result.stdout).toMatch(/llm\s+lucie-7b-instruct-v1\.1-q4_k_m .*sha256 NOT confirmed/);
  });
});
