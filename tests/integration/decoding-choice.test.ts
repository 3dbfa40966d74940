import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { DEFAULT_FINAL_DECODING, finalDecoding } from '../../src/core/asr/decoding.js';
import { machinePolicy } from '../../src/core/policy.js';
import { runGreffier } from '../helpers/cli.js';
import { TEST_KDF, TEST_PASSPHRASE, tempDir } from '../helpers/vault.js';

/**
 * The final transcript's decoding (issue 16, item 3): measured defaults,
 * which the clerk may change in Settings or with "greffier models decoding",
 * and which IT may fix in the machine policy — then nobody can change it.
 */
const dir = tempDir('greffier-decoding-');
const APP_PASSPHRASE = TEST_PASSPHRASE.toString('utf8');
afterAll(() => dir.remove());

function env(name: string, policy?: unknown): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {
    GREFFIER_HOME: join(dir.path, `home-${name}`),
    GREFFIER_LOCALE: 'en',
    GREFFIER_POLICY: join(dir.path, `${name}.policy.json`),
  };
  if (policy !== undefined) writeFileSync(result.GREFFIER_POLICY!, JSON.stringify(policy));
  return result;
}

describe('the final decoding in force', () => {
  it('is the policy over the vault setting over the defaults, field by field', () => {
    expect(finalDecoding()).toEqual(DEFAULT_FINAL_DECODING);
    expect(finalDecoding({ finalDecoding: { beamSize: 5 } })).toEqual({
      ...DEFAULT_FINAL_DECODING,
      beamSize: 5,
    });
    expect(
      finalDecoding(
        { finalDecoding: { beamSize: 5, fallback: false } },
        { finalDecoding: { beamSize: 1 } },
      ),
    ).toEqual({ beamSize: 1, fallback: false, flashAttention: true });
  });

  it('refuses a policy whose decoding is out of range, naming the field', () => {
    const bad = env('bad', { finalDecoding: { beamSize: 12 } });
    expect(() => machinePolicy(bad)).toThrow(/finalDecoding\.beamSize/);
  });
});

describe('choosing it in the app', () => {
  it('is saved in the vault and shown; refused when the policy sets it', async () => {
    const free = new AppService({ env: env('app-free'), kdf: TEST_KDF });
    try {
      expect((await free.dispatcher.call('vault.create', { passphrase: APP_PASSPHRASE })).ok).toBe(
        true,
      );
      const before = await free.dispatcher.call('settings.get', {});
      expect(before.ok && before.value.finalDecoding).toEqual(DEFAULT_FINAL_DECODING);
      const changed = await free.dispatcher.call('settings.update', {
        finalDecoding: { beamSize: 5, fallback: true, flashAttention: true },
      });
      expect(changed.ok && changed.value.finalDecoding?.beamSize).toBe(5);
      const bad = await free.dispatcher.call('settings.update', {
        finalDecoding: { beamSize: 0 },
      });
      expect(bad.ok).toBe(false);
      const after = await free.dispatcher.call('settings.get', {});
      expect(after.ok && after.value.finalDecoding?.beamSize).toBe(5);
    } finally {
      await free.close();
    }

    const fixed = new AppService({
      env: env('app-policy', { finalDecoding: { beamSize: 1, fallback: true } }),
      kdf: TEST_KDF,
    });
    try {
      await fixed.dispatcher.call('vault.create', { passphrase: APP_PASSPHRASE });
      const status = await fixed.dispatcher.call('app.status', {});
      expect(status.ok && status.value.policy?.finalDecoding).toEqual({
        beamSize: 1,
        fallback: true,
      });
      const refused = await fixed.dispatcher.call('settings.update', {
        finalDecoding: { beamSize: 5, fallback: true, flashAttention: true },
      });
      expect(!refused.ok && refused.error.code).toBe('policy-enforced');
    } finally {
      await fixed.close();
    }
  });
});

describe('greffier models decoding', () => {
  it('shows, changes and keeps the choice; the policy wins', async () => {
    const home = env('cli');
    const pass = join(dir.path, 'cli.pass');
    writeFileSync(pass, `${TEST_PASSPHRASE}\n`);
    expect((await runGreffier(home, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const shown = await runGreffier(home, ['models', 'decoding', '--passphrase-file', pass]);
    expect(shown.stdout).toMatch(/decoding fast \(greedy\), fallback on, flash attention on/);
    const set = await runGreffier(home, [
      'models',
      'decoding',
      'accurate',
      '--flash-attention',
      'off',
      '--passphrase-file',
      pass,
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/accurate \(beam search, 5\), fallback on, flash attention off/);
    const again = await runGreffier(home, ['models', 'decoding', '--passphrase-file', pass]);
    expect(again.stdout).toMatch(/accurate/);
    const wrong = await runGreffier(home, ['models', 'decoding', 'slow']);
    expect(wrong.code).toBe(2);

    writeFileSync(home.GREFFIER_POLICY!, JSON.stringify({ finalDecoding: { beamSize: 1 } }));
    const refused = await runGreffier(home, [
      'models',
      'decoding',
      'accurate',
      '--passphrase-file',
      pass,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/set by this machine's policy/);
    const inForce = await runGreffier(home, ['models', 'decoding', '--passphrase-file', pass]);
    expect(inForce.stdout).toMatch(/fast \(greedy\).*set by the machine policy/);
  });
});
