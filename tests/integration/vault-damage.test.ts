import {
  appendFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { exportArchive } from '../../src/core/meetings/archive.js';
import { Vault } from '../../src/core/vault/vault.js';
import { GreffierError } from '../../src/core/errors.js';
import {
  createTestVault,
  openTestVault,
  syntheticChunk,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  while (dirs.length) dirs.pop()!.remove();
});

/** A GREFFIER_HOME whose vault holds two meetings, the second saved after the first. */
async function homeWithMeetings() {
  const home = tempDir('greffier-damage-');
  dirs.push(home);
  const dir = join(home.path, 'vault');
  const { vault, meetings } = await createTestVault(dir);
  const first = await meetings.create({ title: 'First hearing' });
  for (let i = 0; i < 4; i++) await meetings.appendAudio(first.id, syntheticChunk(i));
  await meetings.finish(first.id);
  await meetings.setTranscript(first.id, [{ startMs: 0, endMs: 1000, text: 'version one' }]);
  await meetings.setTranscript(first.id, [{ startMs: 0, endMs: 1000, text: 'version two' }]);
  const second = await meetings.create({ title: 'Second hearing' });
  await meetings.finish(second.id);
  await vault.lock();
  return { home: home.path, dir, first: first.id, second: second.id };
}

/** Checks the whole line the user sees: the message and what to do. */
async function expectError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GreffierError);
  expect((error as GreffierError).oneLine()).toMatch(pattern);
}

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x40;
  writeFileSync(file, bytes);
}

function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(p, readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

async function greffier(home: string, ...args: string[]) {
  const passFile = join(home, 'pass');
  writeFileSync(passFile, TEST_PASSPHRASE);
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await runCli([...args, '--passphrase-file', passFile], {
    stdout: out,
    stderr: err,
    stdin: new PassThrough(),
    env: { ...process.env, GREFFIER_HOME: home },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('damaged vault files', () => {
  it('flipped byte in the catalogue: clear error, nothing overwritten, backup restorable', async () => {
    const { home, dir, first, second } = await homeWithMeetings();
    flip(join(dir, 'catalogue.db'), 100);
    const before = snapshot(dir);
    await expect(openTestVault(dir)).rejects.toThrow(
      /catalogue .*catalogue\.db is damaged \(it fails authentication\)/,
    );
    const list = await greffier(home, 'list');
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(
      /is damaged \(it fails authentication\) — run "greffier vault restore-backup"/,
    );
    // Failed opens wrote nothing and left no lock behind.
    expect(snapshot(dir)).toEqual(before);
    const restore = await greffier(home, 'vault', 'restore-backup');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(
      /catalogue restored from its backup \(damaged copy kept as .*damaged-/,
    );
    expect(readdirSync(dir).some((n) => n.startsWith('catalogue.db.damaged-'))).toBe(true);
    const { vault, meetings } = await openTestVault(dir);
    // The backup is the version before the last save: the first meeting is whole.
    expect(meetings.getMeeting(first).audio?.chunks).toBe(4);
    expect(meetings.list().map((m) => m.id)).toContain(first);
    expect([0, 1]).toContain(meetings.list().filter((m) => m.id === second).length);
    await vault.lock();
  });

  it('truncated catalogue: the same clear error', async () => {
    const { dir } = await homeWithMeetings();
    truncateSync(join(dir, 'catalogue.db'), 40);
    await expectError(openTestVault(dir), /is damaged .* — run "greffier vault restore-backup"/);
  });

  it('missing backup: the vault opens and the next save makes a new one', async () => {
    const { dir } = await homeWithMeetings();
    rmSync(join(dir, 'catalogue.db.bak'));
    const { vault, meetings } = await openTestVault(dir);
    expect(meetings.list()).toHaveLength(2);
    await meetings.setTitle(meetings.list()[0]!.id, 'Renamed');
    expect(existsSync(join(dir, 'catalogue.db.bak'))).toBe(true);
    await vault.lock();
  });

  it('damaged catalogue and missing backup: says so, changes nothing', async () => {
    const { home, dir } = await homeWithMeetings();
    rmSync(join(dir, 'catalogue.db.bak'));
    flip(join(dir, 'catalogue.db'), -5);
    const before = snapshot(dir);
    const list = await greffier(home, 'list');
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(
      /both the catalogue and its backup are unreadable: restore the vault folder from a backup copy/,
    );
    const restore = await greffier(home, 'vault', 'restore-backup');
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/has no readable backup/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('flipped byte in a transcript: clear error, its backup copy restorable', async () => {
    const { home, dir, first } = await homeWithMeetings();
    const file = join(dir, 'meetings', first, 'transcript.enc');
    flip(file, 30);
    let open = await openTestVault(dir);
    await expectError(
      open.meetings.get(first),
      /transcript of meeting .* is damaged: it fails authentication — run "greffier vault restore-backup"/,
    );
    // The rest of the vault still works.
    expect(open.meetings.list()).toHaveLength(2);
    await open.vault.lock();
    const show = await greffier(home, 'show', first);
    expect(show.code).toBe(1);
    const restore = await greffier(home, 'vault', 'restore-backup');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`restored ${file} from its backup`);
    open = await openTestVault(dir);
    // The backup is a copy of the last version, not the one before: an older
    // version would bring back what a correction took out (issue 9, finding 1).
    expect((await open.meetings.get(first)).segments[0]?.text).toBe('version two');
    await open.vault.lock();
  });

  it('flipped byte inside the audio journal: reading says which chunk, nothing is cut', async () => {
    const { dir, first } = await homeWithMeetings();
    const file = join(dir, 'meetings', first, 'audio.journal');
    const chunkBytes = 8 + 12 + 32_000 + 16;
    flip(file, 8 + chunkBytes * 2 + 500);
    const size = statSync(file).size;
    const { vault, meetings } = await openTestVault(dir);
    const read = async () => {
      let n = 0;
      for await (const _chunk of meetings.readAudio(first)) n++;
      return n;
    };
    await expect(read()).rejects.toThrow(
      /audio journal .* is damaged at chunk 2 \(it fails authentication\)/,
    );
    await expect(
      exportArchive(meetings, [first], join(dir, '..', 'x.greffier'), Buffer.from('archive pass')),
    ).rejects.toThrow(/damaged at chunk 2/);
    expect(existsSync(join(dir, '..', 'x.greffier'))).toBe(false);
    expect(statSync(file).size).toBe(size);
    await vault.lock();
  });

  it('interrupted recording with a torn tail: intact chunks kept, tail cut, marked recovered', async () => {
    const { dir, first } = await homeWithMeetings();
    let open = await openTestVault(dir);
    // As if the process had died while recording: status still "recording".
    open.vault.data.meetings[first]!.status = 'recording';
    await open.vault.save();
    await open.vault.lock();
    const file = join(dir, 'meetings', first, 'audio.journal');
    const size = statSync(file).size;
    appendFileSync(file, Buffer.from([0x24, 0x7d, 0, 0, 4, 0, 0, 0, 1, 2, 3]));
    open = await openTestVault(dir);
    expect(open.vault.lastRecovery.recovered).toEqual([
      { meetingId: first, chunks: 4, cutBytes: 11 },
    ]);
    expect(statSync(file).size).toBe(size);
    expect(open.meetings.getMeeting(first)).toMatchObject({
      status: 'recovered',
      durationMs: 4000,
    });
    await open.vault.lock();
  });

  it('interrupted recording damaged in the middle: marked failed, nothing cut', async () => {
    const { dir, first } = await homeWithMeetings();
    let open = await openTestVault(dir);
    open.vault.data.meetings[first]!.status = 'recording';
    await open.vault.save();
    await open.vault.lock();
    const file = join(dir, 'meetings', first, 'audio.journal');
    flip(file, 8 + (8 + 12 + 32_000 + 16) + 300);
    const size = statSync(file).size;
    open = await openTestVault(dir);
    expect(open.vault.lastRecovery.damaged).toEqual([{ meetingId: first, badChunk: 1 }]);
    expect(open.meetings.getMeeting(first).status).toBe('failed');
    expect(open.meetings.getMeeting(first).statusNote).toMatch(
      /damaged at chunk 1; 1 chunks before it are intact/,
    );
    expect(statSync(file).size).toBe(size);
    await open.vault.lock();
  });

  it('an unreadable journal of an interrupted recording does not keep the vault shut', async () => {
    const { dir, first, second } = await homeWithMeetings();
    let open = await openTestVault(dir);
    open.vault.data.meetings[first]!.status = 'recording';
    await open.vault.save();
    await open.vault.lock();
    flip(join(dir, 'meetings', first, 'audio.journal'), 0);
    open = await openTestVault(dir);
    expect(open.vault.lastRecovery.damaged).toEqual([{ meetingId: first, badChunk: 0 }]);
    expect(open.meetings.getMeeting(first).status).toBe('failed');
    expect(open.meetings.getMeeting(second).status).toBe('ready');
    await open.vault.lock();
  });

  it('damaged header: the backup copy opens the vault; both damaged is a clear error', async () => {
    const { dir } = await homeWithMeetings();
    flip(join(dir, 'vault.json'), 60);
    const open = await openTestVault(dir);
    expect(open.meetings.list()).toHaveLength(2);
    await open.vault.lock();
    flip(join(dir, 'vault.json.bak'), 60);
    await expect(Vault.open(dir, Buffer.from(TEST_PASSPHRASE))).rejects.toThrow(
      /vault header .* is damaged/,
    );
  });

  it('crypto-shredding: a deleted meeting leaves no key and no files, even in the backup', async () => {
    const { dir, first } = await homeWithMeetings();
    const open = await openTestVault(dir);
    const wrapped = open.vault.data.meetings[first]!.wrappedKey;
    await open.meetings.delete(first);
    expect(existsSync(join(dir, 'meetings', first))).toBe(false);
    await open.vault.lock();
    // Neither catalogue copy can give the key back: decrypt both and look.
    const again = await openTestVault(dir);
    expect(JSON.stringify(again.vault.data)).not.toContain(wrapped);
    await again.vault.lock();
    rmSync(join(dir, 'catalogue.db'));
    const fromBackup = await Vault.restoreBackup(dir, Buffer.from(TEST_PASSPHRASE));
    expect(fromBackup.catalogue).toBeDefined();
    const restored = await openTestVault(dir);
    expect(restored.vault.data.meetings[first]).toBeUndefined();
    expect(JSON.stringify(restored.vault.data)).not.toContain(wrapped);
    await restored.vault.lock();
  });
});
