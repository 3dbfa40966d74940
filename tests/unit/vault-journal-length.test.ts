// Finding 5 of issue 9: a journal cut at a chunk boundary (5 of 11 chunks
// kept) exported and showed the full duration without a word. The sealed
// catalogue knows how many chunks a finished recording has: show, the app
// (meeting detail) and export now say "audio truncated: 5 of 11 chunks".
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { exportArchive } from '../../src/core/meetings/archive.js';
import {
  createTestVault,
  openTestVault,
  syntheticChunk,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const home = tempDir('greffier-journal-length-');
const vaultDir = join(home.path, 'vault');
let id = '';
afterAll(() => home.remove());

beforeAll(async () => {
  const { meetings, vault } = await createTestVault(vaultDir);
  const m = await meetings.create({ title: 'Coupée' });
  for (let i = 0; i < 11; i++) await meetings.appendAudio(m.id, syntheticChunk(i));
  await meetings.finish(m.id);
  id = m.id;
  const path = vault.journalPath(m.id);
  const chunkBytes = (statSync(path).size - 8) / 11;
  await vault.lock();
  // Whole chunks cut off: what is left authenticates, chunk by chunk.
  truncateSync(path, 8 + 5 * chunkBytes);
});

describe('the audio journal knows its length', () => {
  it('the meeting detail (show, the app) says so', async () => {
    const open = await openTestVault(vaultDir);
    const detail = await open.meetings.get(id);
    expect(detail.statusNote).toMatch(/audio truncated: 5 of 11 chunks/);
    await open.vault.lock();

    const passFile = join(home.path, 'pass.txt');
    writeFileSync(passFile, TEST_PASSPHRASE);
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await runCli(['show', id, '--passphrase-file', passFile], {
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: { ...process.env, GREFFIER_HOME: home.path },
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(out).toMatch(/audio truncated: 5 of 11 chunks/);
  });

  it('reading the audio (export, playback, transcription) fails with the same words', async () => {
    const open = await openTestVault(vaultDir);
    let chunks = 0;
    await expect(
      (async () => {
        for await (const chunk of open.meetings.readAudio(id))
          chunks += chunk.samples.length > 0 ? 1 : 0;
      })(),
    ).rejects.toThrow(/audio truncated: 5 of 11 chunks/);
    expect(chunks).toBe(5);
    await expect(
      exportArchive(
        open.meetings,
        [id],
        join(home.path, 'x.greffier'),
        Buffer.from('archive transfer passphrase'),
      ),
    ).rejects.toThrow(/audio truncated: 5 of 11 chunks/);
    await open.vault.lock();
  });
});
