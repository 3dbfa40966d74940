import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sbomProblems, componentSha256, type Sbom } from '../../src/core/release/sbom.js';
import { runGreffier } from '../helpers/cli.js';
import { testModels } from '../helpers/models.js';
import { tempDir } from '../helpers/vault.js';

/**
 * Issue 12, item 4: a signed offline bundle made with generated models,
 * checked by its own verify.mjs (plain Node), by OpenSSL and by
 * "greffier release verify"; then a flipped byte, an added file and a
 * removed file are each named.
 */
const run = promisify(execFile);
const dir = tempDir('greffier-bundle-');
const bundle = join(dir.path, 'bundle');
const key = join(dir.path, 'org-key');
const env: NodeJS.ProcessEnv = { GREFFIER_POLICY: join(dir.path, 'no-policy.json') };
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const opensslMissing =
  openssl.status !== 0 ? 'openssl is not installed (apt-get install openssl)' : undefined;
if (opensslMissing) console.warn(`release-bundle.test: OpenSSL checks skipped — ${opensslMissing}`);
let modelShas: Record<string, string>;

/** verify.mjs as IT runs it on the target PC: the bundle's own copy, any Node. */
async function verifyMjs(): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      join(bundle, 'verify.mjs'),
      bundle,
      '--pubkey',
      `${key}.pub.pem`,
    ]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

function opensslVerify(pub = `${key}.pub.pem`) {
  return spawnSync(
    'openssl',
    [
      'pkeyutl',
      '-verify',
      '-pubin',
      '-inkey',
      pub,
      '-rawin',
      '-in',
      'SHA256SUMS',
      '-sigfile',
      'SHA256SUMS.sig',
    ],
    { cwd: bundle, encoding: 'utf8' },
  );
}

beforeAll(async () => {
  const generated = await testModels();
  const models = join(dir.path, 'models');
  mkdirSync(models);
  copyFileSync(generated.whisper, join(models, 'whisper-synth.bin'));
  copyFileSync(generated.llm, join(models, 'llm-synth.gguf'));
  modelShas = Object.fromEntries(
    ['whisper-synth.bin', 'llm-synth.gguf'].map((name) => [
      name,
      createHash('sha256')
        .update(readFileSync(join(models, name)))
        .digest('hex'),
    ]),
  );
  const keygen = await runGreffier(env, ['release', 'keygen', '--out', key]);
  expect(keygen.code, keygen.stderr).toBe(0);
  const made = await runGreffier(env, [
    'release',
    'bundle',
    '--out',
    bundle,
    '--signing-key',
    `${key}.pem`,
    '--models',
    models,
  ]);
  expect(made.code, made.stderr).toBe(0);
}, 300_000);
afterAll(() => dir.remove());

describe('a signed offline bundle', () => {
  it('holds the models, the SBOM, licence texts, verify.mjs, SHA256SUMS and its signature', () => {
    const sums = readFileSync(join(bundle, 'SHA256SUMS'), 'utf8');
    for (const [name, sha] of Object.entries(modelShas))
      expect(sums).toContain(`${sha}  models/${name}`);
    expect(sums).toMatch(/ {2}sbom\.cdx\.json\n/);
    expect(sums).toMatch(/ {2}verify\.mjs\n/);
    expect(sums).toMatch(/ {2}licenses\/node-llama-cpp@3\.21\.1\/LICENSE/);
    expect(sums).toMatch(/ {2}licenses\/whisper\.cpp\/LICENSE/);
    expect(readFileSync(join(bundle, 'SHA256SUMS.sig'))).toHaveLength(64);
  });

  it('has a CycloneDX 1.5+ SBOM listing node-llama-cpp, whisper.cpp, llama.cpp and each model by SHA-256', () => {
    const bom = JSON.parse(readFileSync(join(bundle, 'sbom.cdx.json'), 'utf8')) as Sbom;
    expect(sbomProblems(bom)).toEqual([]);
    expect(Number(bom.specVersion.split('.')[1])).toBeGreaterThanOrEqual(5);
    const components = bom.components ?? [];
    const named = (name: string) => components.find((c) => c.name === name);
    expect(named('node-llama-cpp')).toMatchObject({ version: '3.21.1', type: 'library' });
    expect(named('whisper.cpp')).toMatchObject({ licenses: [{ license: { id: 'MIT' } }] });
    expect(named('llama.cpp')).toBeDefined();
    for (const [name, sha] of Object.entries(modelShas)) {
      const model = named(name);
      expect(model?.type).toBe('machine-learning-model');
      expect(componentSha256(model!)).toBe(sha);
      expect(model?.licenses?.length).toBe(1);
    }
    // Development packages stay out of it.
    expect(named('vitest')).toBeUndefined();
    expect(named('electron')).toBeUndefined();
  });

  it('the SBOM check names what is wrong', () => {
    expect(
      sbomProblems({
        bomFormat: 'CycloneDX',
        specVersion: '1.4',
        version: 1,
        components: [
          { type: 'library', name: '' },
          { type: 'gadget', name: 'x', hashes: [{ alg: 'SHA-256', content: 'abc' }] },
        ],
      }),
    ).toEqual([
      'specVersion 1.4 is not 1.5 or later',
      'component 0: name is required',
      'component x: type "gadget" is not a CycloneDX type',
      'component x: SHA-256 is malformed',
    ]);
  });

  it('passes verify.mjs, greffier release verify, and OpenSSL with sha256sum', async () => {
    const plain = await verifyMjs();
    expect(plain.out).toMatch(/^OK: signature good/m);
    expect(plain.code).toBe(0);
    const cli = await runGreffier(env, ['release', 'verify', bundle, '--pubkey', `${key}.pub.pem`]);
    expect(cli.code, cli.stderr).toBe(0);
    if (opensslMissing) return;
    const signature = opensslVerify();
    expect(signature.stdout + signature.stderr).toMatch(/Signature Verified Successfully/);
    expect(signature.status).toBe(0);
    expect(spawnSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], { cwd: bundle }).status).toBe(0);
  });

  it('names a model with one byte flipped', async () => {
    const model = join(bundle, 'models', 'llm-synth.gguf');
    const original = readFileSync(model);
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1]! ^= 0x01;
    writeFileSync(model, flipped);
    try {
      const plain = await verifyMjs();
      expect(plain.code).toBe(1);
      expect(plain.out).toContain('CHANGED / MODIFIÉ: models/llm-synth.gguf');
      expect(plain.out).toMatch(/^FAILED/m);
      const cli = await runGreffier(env, [
        'release',
        'verify',
        bundle,
        '--pubkey',
        `${key}.pub.pem`,
      ]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('CHANGED / MODIFIÉ: models/llm-synth.gguf');
      if (!opensslMissing) {
        const sums = spawnSync('sha256sum', ['--quiet', '-c', 'SHA256SUMS'], {
          cwd: bundle,
          encoding: 'utf8',
        });
        expect(sums.status).not.toBe(0);
        expect(sums.stdout).toContain('models/llm-synth.gguf: FAILED');
      }
    } finally {
      writeFileSync(model, original);
    }
  });

  it('names an added file', async () => {
    const extra = join(bundle, 'models', 'extra.gguf');
    writeFileSync(extra, 'not signed');
    try {
      const plain = await verifyMjs();
      expect(plain.code).toBe(1);
      expect(plain.out).toContain('EXTRA / EN TROP: models/extra.gguf');
    } finally {
      rmSync(extra);
    }
  });

  it('names a removed file', async () => {
    const model = join(bundle, 'models', 'whisper-synth.bin');
    const aside = join(dir.path, 'aside.bin');
    renameSync(model, aside);
    try {
      const plain = await verifyMjs();
      expect(plain.code).toBe(1);
      expect(plain.out).toContain('MISSING / MANQUANT: models/whisper-synth.bin');
    } finally {
      renameSync(aside, model);
    }
    expect((await verifyMjs()).code).toBe(0);
  });

  it('refuses edited checksums and another key', async () => {
    const sumsPath = join(bundle, 'SHA256SUMS');
    const sums = readFileSync(sumsPath, 'utf8');
    // Someone "fixes" the checksum of a file they changed: the signature no longer holds.
    writeFileSync(
      sumsPath,
      sums.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    );
    try {
      const plain = await verifyMjs();
      expect(plain.code).toBe(1);
      expect(plain.out).toContain('BAD SIGNATURE / SIGNATURE INVALIDE');
      if (!opensslMissing) expect(opensslVerify().status).not.toBe(0);
    } finally {
      writeFileSync(sumsPath, sums);
    }
    const other = join(dir.path, 'other-key');
    expect((await runGreffier(env, ['release', 'keygen', '--out', other])).code).toBe(0);
    const cli = await runGreffier(env, [
      'release',
      'verify',
      bundle,
      '--pubkey',
      `${other}.pub.pem`,
    ]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('BAD SIGNATURE');
    if (!opensslMissing) expect(opensslVerify(`${other}.pub.pem`).status).not.toBe(0);
  });
});
