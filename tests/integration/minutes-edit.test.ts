import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { readAudit } from '../../src/core/audit/index.js';
import { createVault, openVault } from '../../src/core/meetings/index.js';
import { MinutesRecord } from '../../src/core/record/index.js';
import { locateVault } from '../../src/core/vault/location.js';
import { MinutesSchema, type Minutes } from '../../src/shared/minutes.js';
import { runGreffier } from '../helpers/cli.js';
import { meetingWithMinutes } from '../helpers/record.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';

/**
 * The clerk edits returned minutes by hand, through the app and the CLI (one
 * core path); approved minutes stay read-only and an empty field is named.
 */
const PASS = 'une phrase secrète assez longue';
const root = tempDir('greffier-edit-');
const home = join(root.path, 'home');
const passFile = join(root.path, 'pass.txt');
const vaultDir = locateVault({ GREFFIER_HOME: home }).dir;
let returned = '';
let approved = '';
let original: Minutes;

async function withVault<T>(run: (open: Awaited<ReturnType<typeof openVault>>) => Promise<T>) {
  const open = await openVault(vaultDir, Buffer.from(PASS));
  try {
    return await run(open);
  } finally {
    await open.vault.lock();
  }
}

beforeAll(async () => {
  writeFileSync(passFile, `${PASS}\n`);
  const open = await createVault(vaultDir, Buffer.from(PASS), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
  });
  const record = new MinutesRecord(open);
  returned = await meetingWithMinutes(open);
  await record.submit(returned, 'Greffière');
  await record.returnMinutes(returned, 'Maire', 'Préciser le vote');
  approved = await meetingWithMinutes(open);
  await record.submit(approved, 'Greffière');
  await record.approve(approved, { approver: 'Marie Dupont' });
  original = MinutesSchema.parse(await open.meetings.getSummary(returned));
  await open.vault.lock();
});
afterAll(() => root.remove());

describe('minutes edited by the clerk', () => {
  it('saves returned minutes through the app, drops a citation to a missing segment, audits it', async () => {
    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      await service.dispatcher.call('vault.unlock', { passphrase: PASS });
      const edited: Minutes = {
        ...original,
        overview: '  Le conseil a adopté le budget par 12 voix contre 3.  ',
        decisions: [{ text: 'Budget adopté (12 pour, 3 contre)', segmentIds: ['s0002', 's9999'] }],
        openQuestions: ['Calendrier des travaux'],
      };
      const saved = await service.dispatcher.call('minutes.edit', {
        meetingId: returned,
        minutes: edited,
      });
      expect(saved).toEqual({ ok: true, value: { ok: true } });

      const empty = await service.dispatcher.call('minutes.edit', {
        meetingId: returned,
        minutes: { ...edited, overview: '   ' },
      });
      expect(!empty.ok && empty.error.code).toBe('minutes-overview-empty');
      const emptyTask = await service.dispatcher.call('minutes.edit', {
        meetingId: returned,
        minutes: { ...edited, actionItems: [{ owner: 'Maire', task: ' ', segmentIds: [] }] },
      });
      expect(!emptyTask.ok && emptyTask.error.code).toBe('minutes-action-empty');

      const locked = await service.dispatcher.call('minutes.edit', {
        meetingId: approved,
        minutes: { ...original, meetingId: approved, overview: 'Autre texte' },
      });
      expect(!locked.ok && locked.error.code).toBe('minutes-locked');
    } finally {
      await service.close();
    }
    await withVault(async (open) => {
      const stored = MinutesSchema.parse(await open.meetings.getSummary(returned));
      expect(stored.overview).toBe('Le conseil a adopté le budget par 12 voix contre 3.');
      expect(stored.decisions).toEqual([
        { text: 'Budget adopté (12 pour, 3 contre)', segmentIds: ['s0002'] },
      ]);
      expect(stored.openQuestions).toEqual(['Calendrier des travaux']);
      const approvedStored = MinutesSchema.parse(await open.meetings.getSummary(approved));
      expect(approvedStored.overview).toBe(original.overview);
      const edits = (await readAudit(open.vault)).filter((e) => e.action === 'minutes.edited');
      expect(edits.map((e) => e.meetingId)).toEqual([returned]);
    });
  });

  it('saves returned minutes through the CLI, refuses approved ones and an empty overview', async () => {
    const env = { ...process.env, GREFFIER_HOME: home };
    const file = join(root.path, 'minutes.json');
    writeFileSync(file, JSON.stringify({ ...original, overview: 'Texte revu par la greffière.' }));
    const ok = await runGreffier(env, [
      'minutes',
      'edit',
      returned,
      '--from',
      file,
      '--passphrase-file',
      passFile,
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);

    writeFileSync(file, JSON.stringify({ ...original, overview: '' }));
    const empty = await runGreffier(env, [
      'minutes',
      'edit',
      returned,
      '--from',
      file,
      '--passphrase-file',
      passFile,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the overview is empty');

    writeFileSync(file, JSON.stringify({ ...original, meetingId: approved, overview: 'Autre' }));
    const locked = await runGreffier(env, [
      'minutes',
      'edit',
      approved,
      '--from',
      file,
      '--passphrase-file',
      passFile,
    ]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('read-only');

    await withVault(async (open) => {
      const stored = MinutesSchema.parse(await open.meetings.getSummary(returned));
      expect(stored.overview).toBe('Texte revu par la greffière.');
      const edits = (await readAudit(open.vault)).filter((e) => e.action === 'minutes.edited');
      expect(edits).toHaveLength(2);
    });
  });

  it('edits approved minutes once a correction has opened a new draft version', async () => {
    await withVault(async (open) => {
      await new MinutesRecord(open).correct(approved, { reason: 'Erreur sur le vote' });
    });
    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      await service.dispatcher.call('vault.unlock', { passphrase: PASS });
      const saved = await service.dispatcher.call('minutes.edit', {
        meetingId: approved,
        minutes: { ...original, meetingId: approved, overview: 'Vote corrigé : 11 pour.' },
      });
      expect(saved.ok).toBe(true);
    } finally {
      await service.close();
    }
    await withVault(async (open) => {
      const stored = MinutesSchema.parse(await open.meetings.getSummary(approved));
      expect(stored.overview).toBe('Vote corrigé : 11 pour.');
      const history = await new MinutesRecord(open).history(approved);
      expect(history.versions.map((v) => v.status)).toEqual(['approved', 'draft']);
      expect(history.versions[1]!.minutes?.overview).toBe('Vote corrigé : 11 pour.');
    });
  });
  it('puts an earlier text back through the CLI, numbered as "minutes history" shows it', async () => {
    const env = { ...process.env, GREFFIER_HOME: home };
    const history = await runGreffier(env, [
      'minutes',
      'history',
      returned,
      '--passphrase-file',
      passFile,
    ]);
    expect(history.code).toBe(0);
    // The app's edit (12 voix contre 3) is the first hand edit of version 1.
    const entry = /edited.*--entry (\d+)/.exec(history.stdout)?.[1];
    expect(entry).toBeDefined();
    const restore = (args: string[]) =>
      runGreffier(env, ['minutes', 'restore', returned, ...args, '--passphrase-file', passFile]);
    const ok = await restore(['--version', '1', '--entry', entry!]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const again = await restore(['--version', '1', '--entry', entry!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already the text');
    const missing = await restore(['--version', '1', '--entry', '99']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('keeps no text');
    await withVault(async (open) => {
      const stored = MinutesSchema.parse(await open.meetings.getSummary(returned));
      expect(stored.overview).toBe('Le conseil a adopté le budget par 12 voix contre 3.');
      const restored = (await readAudit(open.vault)).filter((e) => e.action === 'minutes.restored');
      expect(restored).toHaveLength(1);
    });
  });
});
