// Finding 3 of issue 9: weak passphrases created vaults. One rule (src/shared/
// passphrase.ts) for the CLI, the core and the UI, with the same words.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { Vault } from '../../src/core/vault/vault.js';
import { assessPassphrase, MIN_PASSPHRASE_CHARS } from '../../src/shared/passphrase.js';
import { createTestVault, tempDir, TEST_KDF } from '../helpers/vault.js';

const home = tempDir('greffier-passphrase-');
afterAll(() => home.remove());

async function greffier(env: NodeJS.ProcessEnv, ...args: string[]) {
  return runGreffier(env, args);
}

const WEAK = ['password', '12345678', 'aaaaaaaa', 'password1', 'azertyuiop12', 'motdepasse123'];

describe('the passphrase rule', () => {
  it('refuses short and common passphrases, in French and in English', () => {
    for (const weak of WEAK) {
      const en = assessPassphrase(weak, { locale: 'en' });
      const fr = assessPassphrase(weak, { locale: 'fr' });
      expect(en.ok, weak).toBe(false);
      expect(fr.ok, weak).toBe(false);
      expect(en.problem, weak).toMatch(/^the passphrase is too (short|easy to guess)/);
      expect(fr.problem, weak).toMatch(/^la phrase secrète est trop (courte|facile à deviner)/);
    }
    expect(assessPassphrase('password1', { locale: 'fr' }).problem).toMatch(/au moins\s12/);
    // Long enough, and still a keyboard row with digits.
    expect(assessPassphrase('azertyuiop12', { locale: 'fr' }).problem).toMatch(/deviner/);
  });

  it('accepts several unrelated words, and lets a policy raise the minimum', () => {
    const good = assessPassphrase('girafe cadastre lundi perce-neige', { locale: 'fr' });
    expect(good).toMatchObject({ ok: true, score: 4 });
    expect(good.problem).toBeUndefined();
    expect(MIN_PASSPHRASE_CHARS).toBe(12);
    const raised = assessPassphrase('girafe cadastre', { minLength: 20 });
    expect(raised.ok).toBe(false);
    expect(raised.problem).toContain('at least 20');
    // A policy cannot lower it.
    expect(assessPassphrase('Xq9#vL2!', { minLength: 4 }).ok).toBe(false);
  });

  it('counts characters, not bytes', () => {
    expect(assessPassphrase('éèàùçôîêâëïü').length).toBe(12);
  });

  it('the vault refuses to be created or re-keyed with a weak passphrase', async () => {
    const dir = join(home.path, 'core');
    await expect(
      Vault.create(dir, Buffer.from('password1'), { kdf: TEST_KDF }),
    ).rejects.toMatchObject({
      code: 'weak-passphrase',
    });
    expect(existsSync(join(dir, 'vault.json'))).toBe(false);
    const { vault } = await createTestVault(dir);
    await expect(vault.changePassphrase(Buffer.from('12345678'))).rejects.toMatchObject({
      code: 'weak-passphrase',
    });
    await vault.lock();
  });

  it('greffier vault init with password1 exits 1 with the reason, in French on a French system', async () => {
    const passFile = join(home.path, 'weak.txt');
    writeFileSync(passFile, 'password1\n');
    const fr = await greffier(
      {
        ...process.env,
        GREFFIER_HOME: join(home.path, 'fr'),
        GREFFIER_LOCALE: '',
        LC_ALL: '',
        LC_MESSAGES: '',
        LANG: 'fr_FR.UTF-8',
      },
      'vault',
      'init',
      '--passphrase-file',
      passFile,
    );
    expect(fr.code).toBe(1);
    expect(fr.stderr).toMatch(
      /la phrase secrète est trop courte \(9\scaractères\s; il en faut au moins\s12\)/,
    );
    expect(fr.stderr).toMatch(/choisissez plusieurs mots/);
    expect(existsSync(join(home.path, 'fr', 'vault', 'vault.json'))).toBe(false);

    const en = await greffier(
      {
        ...process.env,
        GREFFIER_HOME: join(home.path, 'en'),
        GREFFIER_LOCALE: '',
        LC_ALL: '',
        LC_MESSAGES: '',
        LANG: 'en_GB.UTF-8',
      },
      'vault',
      'init',
      '--passphrase-file',
      passFile,
    );
    expect(en.code).toBe(1);
    expect(en.stderr).toMatch(/the passphrase is too short/);

    writeFileSync(passFile, 'motdepasse123\n');
    const common = await greffier(
      { ...process.env, GREFFIER_HOME: join(home.path, 'fr2'), GREFFIER_LOCALE: 'fr' },
      'vault',
      'init',
      '--passphrase-file',
      passFile,
    );
    expect(common.code).toBe(1);
    expect(common.stderr).toMatch(/la phrase secrète est trop facile à deviner/);
  });
});
