import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Vault } from '../../src/core/vault/vault.js';
import { openVault } from '../../src/core/meetings/index.js';
import {
  createTestVault,
  openTestVault,
  plaintextHits,
  sameSamples,
  syntheticChunk,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const dirs: { remove(): void }[] = [];
function fresh() {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

describe('vault keys and catalogue', () => {
  it('creates, locks and reopens a vault with the same meetings', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    const m = await meetings.create({ title: 'Conseil municipal', language: 'fr' });
    await meetings.finish(m.id);
    await vault.lock();
    expect(vault.isLocked).toBe(true);
    expect(() => meetings.list()).toThrow(/vault is locked/);
    const again = await openTestVault(dir);
    expect(again.meetings.list().map((x) => x.title)).toEqual(['Conseil municipal']);
    await again.vault.lock();
  });

  it('refuses a wrong passphrase with a clear error and changes nothing', async () => {
    const dir = fresh();
    const { vault } = await createTestVault(dir);
    await vault.lock();
    const before = readFileSync(join(dir, 'catalogue.db'));
    await expect(openVault(dir, Buffer.from('not the passphrase'))).rejects.toThrow(
      /wrong passphrase/,
    );
    expect(readFileSync(join(dir, 'catalogue.db'))).toEqual(before);
    // The failed attempt released the folder lock.
    expect(existsSync(join(dir, 'vault.lock'))).toBe(false);
  });

  it('changes the passphrase without re-encrypting data, and the old one stops working', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    const m = await meetings.create({ title: 'Réunion RH' });
    await meetings.appendAudio(m.id, syntheticChunk(0));
    await meetings.finish(m.id);
    const journal = readFileSync(vault.journalPath(m.id));
    await vault.changePassphrase(Buffer.from('a brand new passphrase'), { N: 2 ** 10, r: 8, p: 1 });
    await vault.lock();
    await expect(openVault(dir, Buffer.from(TEST_PASSPHRASE))).rejects.toThrow(/wrong passphrase/);
    const reopened = await openVault(dir, Buffer.from('a brand new passphrase'));
    expect(readFileSync(reopened.vault.journalPath(m.id))).toEqual(journal);
    expect(reopened.meetings.list()).toHaveLength(1);
    await reopened.vault.lock();
  });

  it('refuses short passphrases and an existing vault', async () => {
    const dir = fresh();
    await expect(Vault.create(dir, Buffer.from('short'))).rejects.toThrow(/too short/);
    const { vault } = await createTestVault(dir);
    await vault.lock();
    await expect(createTestVault(dir)).rejects.toThrow(/already exists/);
  });

  it('says "vault in use by PID" when the folder is locked by a live process', async () => {
    const dir = fresh();
    const { vault } = await createTestVault(dir);
    await vault.lock();
    writeFileSync(join(dir, 'vault.lock'), `${process.ppid}\n`);
    await expect(openTestVault(dir)).rejects.toThrow(`vault in use by PID ${process.ppid}`);
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = fresh();
    const { vault } = await createTestVault(dir);
    await vault.lock();
    writeFileSync(join(dir, 'vault.lock'), '2147483646\n');
    const again = await openTestVault(dir);
    expect(readFileSync(join(dir, 'vault.lock'), 'utf8').trim()).toBe(String(process.pid));
    await again.vault.lock();
  });

  it('zeroes keys on lock', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    const m = await meetings.create({ title: 'x1' });
    await meetings.finish(m.id);
    const key = vault.meetingKey(m.id);
    expect(key.some((b) => b !== 0)).toBe(true);
    const locked = new Promise<string>((resolve) => vault.onLock(resolve));
    await vault.lock();
    expect(await locked).toBe('manual');
    expect(key.every((b) => b === 0)).toBe(true);
    expect(existsSync(join(dir, 'vault.lock'))).toBe(false);
  });

  it('locks itself when idle, finishing an open recording first', async () => {
    const dir = fresh();
    const created = await createTestVault(dir);
    await created.vault.lock();
    // 1.8 s of idleness (a fraction of a minute); the test waits for the event, not a clock.
    const { vault, meetings } = await openVault(dir, Buffer.from(TEST_PASSPHRASE), {
      autoLockMinutes: 0.03,
    });
    const m = await meetings.create({ title: 'idle' });
    await meetings.appendAudio(m.id, syntheticChunk(0));
    const reason = await new Promise<string>((resolve) => vault.onLock(resolve));
    expect(reason).toBe('idle');
    expect(vault.isLocked).toBe(true);
    const again = await openTestVault(dir);
    // Finished cleanly, but marked: the clerk did not stop it (the pipeline queues its transcription).
    expect(again.meetings.getMeeting(m.id)).toMatchObject({
      status: 'recovered',
      statusNote: expect.stringMatching(/interrupted when the vault locked/),
      audio: { chunks: 1 },
    });
    await again.vault.lock();
  });

  it('a recording being captured is activity: its chunks keep the idle lock away', async () => {
    const dir = fresh();
    const created = await createTestVault(dir);
    await created.vault.lock();
    // Only the idle timer is faked: the clock is moved by hand, the files are real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { vault, meetings } = await openVault(dir, Buffer.from(TEST_PASSPHRASE), {
        autoLockMinutes: 0.03,
      });
      const m = await meetings.create({ title: 'long session' });
      // Ten times the idle delay of capture, a chunk a second: never locked.
      for (let second = 0; second < 18; second++) {
        vi.advanceTimersByTime(1000);
        await meetings.appendAudio(m.id, syntheticChunk(second));
      }
      expect(vault.isLocked).toBe(false);
      // The capture stops arriving (the page gone): the idle delay runs out and the vault locks.
      const locked = new Promise<string>((resolve) => vault.onLock(resolve));
      vi.advanceTimersByTime(1800);
      expect(await locked).toBe('idle');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps typed settings, including the installed models registry', async () => {
    const dir = fresh();
    const { vault } = await createTestVault(dir);
    expect(vault.getSettings().defaultLanguage).toBe('fr');
    await vault.updateSettings({
      defaultLanguage: 'en',
      models: {
        asr: [
          {
            path: '/m/w.bin',
            sha256: 'a'.repeat(64),
            size: 1,
            mtimeMs: 1,
            verifiedAt: 'now',
            default: true,
          },
        ],
      },
    });
    await expect(vault.updateSettings({ autoLockMinutes: -1 })).rejects.toThrow();
    await vault.lock();
    const again = await openTestVault(dir);
    expect(again.vault.getSettings().defaultLanguage).toBe('en');
    expect(again.vault.getSettings().models.asr?.[0]?.path).toBe('/m/w.bin');
    await again.vault.lock();
  });

  it('stores blobs encrypted, per vault and per meeting', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    await vault.writeBlob('search-index', Buffer.from('secret index words'));
    const m = await meetings.create({ title: 'blob meeting' });
    await vault.writeMeetingBlob(m.id, 'vectors', Buffer.from('meeting vectors secret'));
    expect((await vault.readBlob('search-index'))?.toString()).toBe('secret index words');
    expect((await vault.readMeetingBlob(m.id, 'vectors'))?.toString()).toBe(
      'meeting vectors secret',
    );
    expect(await vault.readBlob('absent')).toBeUndefined();
    await expect(vault.writeBlob('../escape', Buffer.from('x'))).rejects.toThrow(
      /cannot name a stored item/,
    );
    expect(plaintextHits(dir, ['secret index', 'meeting vectors', 'blob meeting'])).toEqual([]);
    await vault.lock();
  });
});

describe('audio journal', () => {
  it('streams back every chunk appended, in order', async () => {
    const dir = fresh();
    const { vault, meetings } = await createTestVault(dir);
    const m = await meetings.create({ title: 'journal' });
    for (let i = 0; i < 5; i++) expect(await meetings.appendAudio(m.id, syntheticChunk(i))).toBe(i);
    const done = await meetings.finish(m.id);
    expect(done.audio).toMatchObject({ chunks: 5, samples: 80_000 });
    expect(done.durationMs).toBe(5000);
    let n = 0;
    for await (const chunk of meetings.readAudio(m.id)) {
      expect(sameSamples(chunk.samples, syntheticChunk(n))).toBe(true);
      n++;
    }
    expect(n).toBe(5);
    await vault.lock();
  });
});
