// Finding 1 of issue 9: a deleted meeting (or a redacted segment) must leave
// nothing that any key of the vault can read back. The attack: keep every
// `.bak` and `*.damaged-*` copy the vault leaves behind, put each in place
// of its file (one at a time, then all at once) and run list, search and
// show through the real CLI with the vault's passphrase.
import { createDecipheriv } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { Vault } from '../../src/core/vault/vault.js';
import { subkey, unwrapKey } from '../../src/core/vault/crypto.js';
import { unwrapMasterKey, type VaultHeader } from '../../src/core/vault/header.js';
import { currentIndex } from '../../src/core/search/store.js';
import {
  createTestVault,
  filesUnder,
  openTestVault,
  plaintextHits,
  tempDir,
  TEST_PASSPHRASE,
} from '../helpers/vault.js';

const home = tempDir('greffier-shred-');
const vaultDir = join(home.path, 'vault');
const passFile = join(home.path, 'pass.txt');
const env = { ...process.env, GREFFIER_HOME: home.path, GREFFIER_LOCALE: 'en' };

/** What must never come back: the deleted meeting's title, words and minutes, and the redacted name. */
const SECRETS = ['Zorglub', 'Séance confidentielle', 'Gontrand', 'Dupontel'];

async function greffier(...args: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  await runCli([...args, '--passphrase-file', passFile], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    signal: new AbortController().signal,
  });
  return out;
}

function flip(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(file, bytes);
}

let deleted = '';
let kept = '';

beforeAll(async () => {
  writeFileSync(passFile, `${TEST_PASSPHRASE.toString()}\n`);
  let open = await createTestVault(vaultDir);
  const a = await open.meetings.create({ title: 'Séance confidentielle Zorglub', language: 'fr' });
  await open.meetings.finish(a.id);
  await open.meetings.setTranscript(a.id, [
    { startMs: 0, endMs: 4000, text: 'Le projet Zorglub coûte trois millions.' },
    { startMs: 4000, endMs: 8000, text: 'Monsieur Gontrand vote contre la chaudière.' },
  ]);
  await open.meetings.setSummary(a.id, {
    meetingId: a.id,
    language: 'fr',
    template: 'conseil',
    title: 'Séance confidentielle Zorglub',
    overview: 'Le conseil débat du projet Zorglub.',
    decisions: [{ text: 'Le projet Zorglub est ajourné.', segmentIds: ['s0001'] }],
    actionItems: [],
    openQuestions: [],
    topics: [],
    interventions: [],
    generatedAt: new Date().toISOString(),
    model: 'test.gguf',
    method: { chunks: 1, contextSize: 2048 },
  });
  const b = await open.meetings.create({ title: 'Commission des travaux', language: 'fr' });
  await open.meetings.finish(b.id);
  await open.meetings.setTranscript(b.id, [
    { startMs: 0, endMs: 4000, text: 'Madame Dupontel présente le chantier de la mairie.' },
    { startMs: 4000, endMs: 8000, text: 'Les travaux de voirie commencent en mai.' },
  ]);
  deleted = a.id;
  kept = b.id;
  // The index is written twice so that it has a backup holding both meetings.
  await currentIndex(open);
  await open.meetings.renameSpeaker(b.id, 'S1', 'Secrétaire');
  await currentIndex(open);
  await open.vault.lock();

  // A damaged catalogue put aside by restore-backup (it holds the meeting's key).
  flip(join(vaultDir, 'catalogue.db'), 40);
  await Vault.restoreBackup(vaultDir, Buffer.from(TEST_PASSPHRASE));

  open = await openTestVault(vaultDir);
  // Redaction: the name leaves the transcript.
  await open.meetings.editSegment(b.id, 's0001', {
    text: 'Madame X présente le chantier de la mairie.',
  });
  await currentIndex(open);
  await open.meetings.delete(a.id);
  await open.vault.lock();
});
afterAll(() => home.remove());

/** Every copy the vault keeps beside a file: its backup and the copies put aside as damaged. */
function leftovers(): { copy: string; original: string }[] {
  return filesUnder(vaultDir)
    .map((copy) => ({ copy, original: copy.replace(/(\.bak|\.damaged-[^/]*)$/, '') }))
    .filter(({ copy, original }) => copy !== original);
}

async function reveal(): Promise<string> {
  return [
    await greffier('list'),
    await greffier('search', 'Zorglub', '--json'),
    await greffier('search', 'Gontrand chaudière', '--json'),
    await greffier('search', 'Dupontel', '--json'),
    await greffier('show', deleted),
    await greffier('show', kept),
    await greffier('show', kept, '--json'),
  ].join('\n');
}

function secretsIn(output: string): string[] {
  return SECRETS.filter((s) => output.includes(s));
}

/**
 * The strongest attacker short of breaking AES: the passphrase, every copy
 * of every file, and no respect for authentication tags. Every key any
 * header copy gives is tried on every file as AES-CTR (what AES-GCM is
 * without its tag); meeting keys found in any decrypted catalogue are added.
 */
async function keyHolderReveals(dir: string): Promise<string[]> {
  const keys: Buffer[] = [];
  const masters: Buffer[] = [];
  const files = filesUnder(dir);
  for (const file of files.filter((f) => /vault\.json/.test(f))) {
    try {
      const header = JSON.parse(readFileSync(file, 'utf8')) as VaultHeader;
      const master = await unwrapMasterKey(header, Buffer.from(TEST_PASSPHRASE));
      masters.push(master);
      keys.push(subkey(master, 'catalogue'), subkey(master, 'vault-blobs'));
    } catch {
      // Not a header this passphrase opens.
    }
  }
  const ctr = (key: Buffer, bytes: Buffer, skip: number): string => {
    const nonce = bytes.subarray(skip, skip + 12);
    const iv = Buffer.concat([nonce, Buffer.from([0, 0, 0, 2])]);
    const d = createDecipheriv('aes-256-ctr', key, iv);
    return Buffer.concat([
      d.update(bytes.subarray(skip + 12, bytes.length - 16)),
      d.final(),
    ]).toString('utf8');
  };
  const plain: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const file of files) {
      const bytes = readFileSync(file);
      if (bytes.length < 8 + 28) continue;
      for (const key of keys) plain.push(ctr(key, bytes, 8));
    }
    for (const text of plain) {
      for (const m of text.matchAll(/"id":"([A-Za-z0-9_-]+)"[^{}]*?"wrappedKey":"([^"]+)"/g)) {
        for (const master of masters) {
          try {
            const key = unwrapKey(master, m[2]!, `greffier:meeting-key:v1:${m[1]}`);
            if (!keys.some((k) => k.equals(key))) keys.push(key);
          } catch {
            // Another master's key.
          }
        }
      }
    }
  }
  return SECRETS.filter((s) => plain.some((t) => t.includes(s)));
}

describe('crypto-shredding of deleted meetings and redacted segments', () => {
  it('no key the passphrase gives decrypts anything of them, in any file, tag or no tag', async () => {
    expect(await keyHolderReveals(vaultDir)).toEqual([]);
  });

  it('the vault as it is reveals nothing, and the kept meeting still reads', async () => {
    const output = await reveal();
    expect(secretsIn(output)).toEqual([]);
    expect(output).toContain('Madame X présente le chantier');
    expect(plaintextHits(vaultDir, SECRETS)).toEqual([]);
  });

  it('each backup or damaged copy put in place of its file reveals nothing', async () => {
    // Running a command may write (the index catches up): each attempt starts from the same vault.
    const pristine = join(home.path, 'pristine');
    cpSync(vaultDir, pristine, { recursive: true });
    const found: { copy: string; secrets: string[] }[] = [];
    for (const { copy, original } of leftovers()) {
      rmSync(vaultDir, { recursive: true, force: true });
      cpSync(pristine, vaultDir, { recursive: true });
      copyFileSync(copy, original);
      const secrets = secretsIn(await reveal());
      if (secrets.length) found.push({ copy: copy.slice(vaultDir.length), secrets });
    }
    rmSync(vaultDir, { recursive: true, force: true });
    cpSync(pristine, vaultDir, { recursive: true });
    expect(found).toEqual([]);
  });

  it('every backup and damaged copy in place at once reveals nothing', async () => {
    for (const { copy, original } of leftovers()) copyFileSync(copy, original);
    expect(secretsIn(await reveal())).toEqual([]);
  });
});
