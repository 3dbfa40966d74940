import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { createVault, openVault } from '../../src/core/meetings/index.js';
import { setLegalHold } from '../../src/core/retention/index.js';
import { locateVault } from '../../src/core/vault/location.js';
import { runGreffier } from '../helpers/cli.js';
import { meetingWithMinutes } from '../helpers/record.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/** A meeting under legal hold cannot be deleted by anyone, through either door. */
const PASS = 'une phrase secrète assez longue';
const root = tempDir('greffier-hold-');
const home = join(root.path, 'home');
const passFile = join(root.path, 'pass.txt');
const vaultDir = locateVault({ GREFFIER_HOME: home }).dir;
let held = '';
let free = '';

beforeAll(async () => {
  writeFileSync(passFile, `${PASS}\n`);
  const open = await createVault(vaultDir, Buffer.from(PASS), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
  });
  held = await meetingWithMinutes(open);
  free = await meetingWithMinutes(open);
  await setLegalHold(open, held, true, 'affaire 2026-17');
  await open.vault.lock();
});
afterAll(() => root.remove());

describe('legal hold', () => {
  it('refuses a delete in the CLI, and the meeting stays', async () => {
    const env = { ...process.env, GREFFIER_HOME: home };
    const refused = await runGreffier(env, ['delete', held, '--passphrase-file', passFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('legal hold');
    const allowed = await runGreffier(env, ['delete', free, '--passphrase-file', passFile]);
    expect(allowed.code).toBe(0);
    const open = await openVault(vaultDir, Buffer.from(PASS));
    expect(open.meetings.list().map((m) => m.id)).toEqual([held]);
    await open.vault.lock();
  });

  it('refuses a delete in the app with the legal-hold code', async () => {
    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      await service.dispatcher.call('vault.unlock', { passphrase: PASS });
      const refused = await service.dispatcher.call('meetings.delete', { id: held });
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.error.code).toBe('legal-hold');
      const list = await service.dispatcher.call('meetings.list', {});
      expect(list.ok && (list.value as { id: string }[]).map((m) => m.id)).toContain(held);
    } finally {
      await service.close();
    }
  });
});
