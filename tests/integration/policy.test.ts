import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { machinePolicy } from '../../src/core/policy.js';
import { homePaths } from '../../src/core/paths.js';
import { runGreffier } from '../helpers/cli.js';
import { silenceWav } from '../helpers/fixtures.js';
import { testModels, type GeneratedModels } from '../helpers/models.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/**
 * The machine policy (src/core/policy.ts) through both doors: the CLI as a
 * terminal runs it, the app service as Electron and the devhost hold it.
 */
const TWELVE = 'Vq7#mPz9!kLw'; // 12 characters, strong enough for the estimator
const SIXTEEN = 'Vq7#mPz9!kLw-r4T';

const dir = tempDir('greffier-policy-');
let models: GeneratedModels;

function policyEnv(name: string, policy: unknown): NodeJS.ProcessEnv {
  const path = join(dir.path, `${name}.json`);
  writeFileSync(path, typeof policy === 'string' ? policy : JSON.stringify(policy));
  return {
    GREFFIER_HOME: join(dir.path, `home-${name}`),
    GREFFIER_POLICY: path,
    GREFFIER_LOCALE: 'en',
  };
}

function passFile(name: string, text: string): string {
  const path = join(dir.path, `${name}.pass`);
  writeFileSync(path, `${text}\n`);
  return path;
}

beforeAll(async () => {
  models = await testModels();
});
afterAll(() => dir.remove());

describe('a machine policy with minPassphraseLength 16', () => {
  it('makes the CLI refuse a 12-character passphrase and accept a 16-character one', async () => {
    const env = policyEnv('min16-cli', { minPassphraseLength: 16 });
    const refused = await runGreffier(env, [
      'vault',
      'init',
      '--passphrase-file',
      passFile('twelve', TWELVE),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/too short \(12 characters; at least 16/);

    const accepted = await runGreffier(env, [
      'vault',
      'init',
      '--passphrase-file',
      passFile('sixteen', SIXTEEN),
    ]);
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
  });

  it('the same 12-character passphrase is accepted without the policy', async () => {
    const env = {
      GREFFIER_HOME: join(dir.path, 'home-nopolicy'),
      GREFFIER_POLICY: join(dir.path, 'absent.json'),
    };
    const run = await runGreffier(env, [
      'vault',
      'init',
      '--passphrase-file',
      passFile('twelve', TWELVE),
    ]);
    expect(run.code).toBe(0);
  });

  it('makes the app refuse a 12-character passphrase and shows the policy', async () => {
    const env = policyEnv('min16-app', {
      minPassphraseLength: 16,
      autoLockMinutes: 5,
      featuresOff: ['exports'],
    });
    const service = new AppService({ env, kdf: TEST_KDF });
    try {
      const refused = await service.dispatcher.call('vault.create', { passphrase: TWELVE });
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        // The policy's minimum, refused as the policy's (the page says IT set it).
        expect(refused.error.code).toBe('policy-passphrase-short');
        expect(refused.error.message).toMatch(/at least 16.*this machine's policy, set by IT/);
      }
      const created = await service.dispatcher.call('vault.create', { passphrase: SIXTEEN });
      expect(created.ok).toBe(true);
      const status = await service.dispatcher.call('app.status', {});
      expect(status.ok && status.value).toMatchObject({
        settings: { autoLockMinutes: 5 },
        policy: { minPassphraseLength: 16, autoLockMinutes: 5, featuresOff: ['exports'] },
      });
      const change = await service.dispatcher.call('settings.update', { autoLockMinutes: 30 });
      expect(!change.ok && change.error.code).toBe('policy-enforced');
      const exported = await service.dispatcher.call('export.meeting', {
        meetingId: 'any',
        format: 'md',
      });
      expect(!exported.ok && exported.error.code).toBe('policy-feature-off');
    } finally {
      await service.close();
    }
  });
});

describe('a machine policy with exports turned off', () => {
  it('makes the CLI refuse to export minutes or an archive, as the app does', async () => {
    // The walk: the app refused exports, while « greffier minutes export » wrote the file.
    const env = policyEnv('no-exports-cli', { featuresOff: ['exports'] });
    const pass = passFile('no-exports', SIXTEEN);
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const out = join(dir.path, 'no-exports-out');
    for (const argv of [
      ['minutes', 'export', 'm1', '--format', 'md', '--out', `${out}.md`],
      ['export', 'm1', '--out', `${out}.greffier`, '--archive-passphrase-file', pass],
    ]) {
      const refused = await runGreffier(env, [...argv, '--passphrase-file', pass]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/exports are turned off by this machine's policy/);
    }
  });
});

describe('a malformed policy', () => {
  const cases: [string, unknown, string][] = [
    ['wrong-type', { minPassphraseLength: 'sixteen' }, 'minPassphraseLength'],
    ['too-low', { minPassphraseLength: 8 }, 'minPassphraseLength'],
    ['unknown-field', { vaultFoldr: '/srv/vault' }, 'vaultFoldr'],
    ['bad-sha', { allowedModelSha256: ['abc'] }, 'allowedModelSha256.0'],
    ['relative', { vaultFolder: 'vault' }, 'vaultFolder'],
    ['not-json', '{ "uiLanguage": ', '(file)'],
  ];

  it.each(cases)('(%s) stops the CLI with the field named', async (name, policy, field) => {
    const run = await runGreffier(policyEnv(name, policy), ['vault', 'status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`field "${field}"`);
    expect(run.stderr).toContain(`champ «\u202f${field}\u202f»`);
  });

  it('stops the app service at start-up with the field named', () => {
    const env = policyEnv('app-bad', { autoLockMinutes: 0 });
    expect(() => new AppService({ env })).toThrow(/field "autoLockMinutes"/);
  });
});

describe('a policy with an allow-list of models', () => {
  it('refuses a model that is not listed, on import and on load, and takes one that is', async () => {
    const whisperSha = createHash('sha256').update(readFileSync(models.whisper)).digest('hex');
    const env = policyEnv('allow', { allowedModelSha256: ['0'.repeat(64)] });
    const pass = passFile('allow', SIXTEEN);
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);

    const add = await runGreffier(env, [
      'models',
      'add',
      models.whisper,
      '--kind',
      'asr',
      '--trust-unlisted',
      '--passphrase-file',
      pass,
    ]);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/not allowed by this machine's policy/);
    expect(add.stderr).toContain(whisperSha);

    const wav = silenceWav(1);
    const transcribe = await runGreffier(env, ['transcribe', wav, '--asr-model', models.whisper]);
    expect(transcribe.code).toBe(1);
    expect(transcribe.stderr).toMatch(/not allowed by this machine's policy/);

    // Listed: the same file is installed.
    writeFileSync(env.GREFFIER_POLICY!, JSON.stringify({ allowedModelSha256: [whisperSha] }));
    expect(machinePolicy(env).allowedModelSha256).toEqual([whisperSha]);
    const allowed = await runGreffier(env, [
      'models',
      'add',
      models.whisper,
      '--kind',
      'asr',
      '--trust-unlisted',
      '--passphrase-file',
      pass,
    ]);
    expect(allowed.code).toBe(0);
  });

  it('puts the vault where the policy says', () => {
    const env = policyEnv('folder', { vaultFolder: join(dir.path, 'srv-vault') });
    expect(homePaths(env).vault).toBe(join(dir.path, 'srv-vault'));
  });
});
