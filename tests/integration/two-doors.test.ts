import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGreffier } from '../helpers/cli.js';
import { AppService } from '../../src/core/app/app-service.js';
import { openVault, type OpenVault } from '../../src/core/meetings/index.js';
import { addTurn } from '../../src/core/meetings/notes.js';
import { loadIndex } from '../../src/core/search/store.js';
import { Vault } from '../../src/core/vault/vault.js';
import { startDevhost } from '../../src/devhost/server.js';
import type { CallName } from '../../src/shared/api.js';
import { testModels, type GeneratedModels } from '../helpers/models.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';
import { callOk } from '../helpers/app-api.js';

/**
 * One GREFFIER_HOME through both doors: what the CLI makes, the app (and the
 * browser host) sees, and the other way round; and an interrupted meeting
 * finished by "greffier jobs --resume" ends exactly as the app finishes it.
 */

const PASS = 'une phrase secrète assez longue';
const root = tempDir('greffier-doors-');
const passFile = join(root.path, 'pass.txt');
const speechMissing = speechToolsMissing();
if (speechMissing) console.warn(`two doors with speech skipped: ${speechMissing}`);
let models: GeneratedModels;
let wav = '';

async function greffier(home: string, ...args: string[]) {
  return runGreffier({ ...process.env, GREFFIER_HOME: home, GREFFIER_THREADS: '1' }, args);
}

async function call<T = unknown>(service: AppService, name: CallName, input: unknown): Promise<T> {
  return (await callOk(service, name, input)) as T;
}

beforeAll(async () => {
  writeFileSync(passFile, `${PASS}\n`);
  models = await testModels();
  process.env.GREFFIER_WHISPER_CLI = await whisperCli();
  if (!speechMissing) wav = spokenWav({ lang: 'fr' });
});
afterAll(() => root.remove());

describe('one GREFFIER_HOME, two doors', () => {
  it('the app and the browser host list what the CLI created and imported', async () => {
    if (speechMissing) return;
    const home = join(root.path, 'cli-first');
    expect((await greffier(home, 'vault', 'init', '--passphrase-file', passFile)).code).toBe(0);
    const imported = await greffier(
      home,
      'import',
      wav,
      '--title',
      'Conseil municipal',
      '--passphrase-file',
      passFile,
    );
    expect(imported.code).toBe(0);
    const meetingId = imported.stdout.trim();

    const service = new AppService({ home, kdf: TEST_KDF, threads: 1 });
    const rendererDir = join(root.path, 'ui');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
    const host = await startDevhost({ dispatcher: service.dispatcher, rendererDir });
    try {
      expect(await call(service, 'app.status', {})).toMatchObject({ vault: 'locked' });
      await call(service, 'vault.unlock', { passphrase: PASS });
      const listed = await call<{ id: string; title: string }[]>(service, 'meetings.list', {});
      expect(listed.map((m) => [m.id, m.title])).toEqual([[meetingId, 'Conseil municipal']]);
      // The same through the browser host's HTTP door.
      const response = await fetch(`${host.url}api/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-greffier-token': host.token },
        body: JSON.stringify({ name: 'meetings.list', input: {} }),
      });
      const body = (await response.json()) as { ok: boolean; value: { id: string }[] };
      expect(body.ok).toBe(true);
      expect(body.value.map((m) => m.id)).toEqual([meetingId]);
    } finally {
      await host.close();
      await service.close();
    }
  });

  it('"greffier list" opens a vault the app created', async () => {
    const home = join(root.path, 'app-first');
    const service = new AppService({ home, kdf: TEST_KDF });
    try {
      await call(service, 'vault.create', { passphrase: PASS });
      await call(service, 'recording.start', { title: 'Commission', language: 'fr', speakers: [] });
    } finally {
      await service.close();
    }
    const listed = await greffier(home, 'list', '--json', '--passphrase-file', passFile);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { title: string }[]).map((m) => m.title)).toEqual([
      'Commission',
    ]);
  });

  it('moves a vault of an earlier app version (at GREFFIER_HOME itself) into place once', async () => {
    const home = join(root.path, 'old-app');
    const old = await Vault.create(home, Buffer.from(PASS), { kdf: TEST_KDF });
    await old.lock();
    const listed = await greffier(home, 'list', '--json', '--passphrase-file', passFile);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain(`moved from ${home} to ${join(home, 'vault')}`);
    expect(existsSync(join(home, 'vault.json'))).toBe(false);
    expect(existsSync(join(home, 'vault', 'vault.json'))).toBe(true);
    // Said once: the second run finds it in place.
    expect((await greffier(home, 'list', '--passphrase-file', passFile)).stderr).not.toContain(
      'moved',
    );
  });
});

interface Outcome {
  segments: { startMs: number; endMs: number; text: string; speakerId?: string }[];
  minutes: unknown;
  indexed: string[];
  hits: string[];
}

async function outcome(open: OpenVault, meetingId: string): Promise<Outcome> {
  const segments = (await open.meetings.getSegments(meetingId)).map((s) => ({
    startMs: s.startMs,
    endMs: s.endMs,
    text: s.text,
    ...(s.speakerId ? { speakerId: s.speakerId } : {}),
  }));
  const { generatedAt: _at, ...minutes } = (await open.meetings.getSummary(meetingId)) as {
    generatedAt: string;
  };
  const index = await loadIndex(open);
  const firstWord = segments[0]?.text.split(/\s+/).find((w) => w.length > 3) ?? 'conseil';
  return {
    segments,
    minutes,
    indexed: index.meetingIds(),
    hits: index.searchLexical(firstWord).map((h) => h.segmentId),
  };
}

describe.skipIf(Boolean(speechMissing))('an interrupted meeting', () => {
  it('is finished the same way by "greffier jobs --resume" and by the app', async () => {
    const cliHome = join(root.path, 'resume-cli');
    expect((await greffier(cliHome, 'vault', 'init', '--passphrase-file', passFile)).code).toBe(0);
    const imported = await greffier(
      cliHome,
      'import',
      wav,
      '--title',
      'Séance',
      '--passphrase-file',
      passFile,
    );
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/transcription queued/);
    const meetingId = imported.stdout.trim();
    // The clerk's roster and number keys, as the recording screen stores them.
    const open = await openVault(join(cliHome, 'vault'), Buffer.from(PASS));
    await open.meetings.renameSpeaker(meetingId, 'p1', 'Maire');
    await open.meetings.renameSpeaker(meetingId, 'p2', 'Adjointe');
    await addTurn(open.meetings, meetingId, { atMs: 0, speakerId: 'p1' });
    await addTurn(open.meetings, meetingId, { atMs: 1500, speakerId: 'p2' });
    await open.vault.lock();
    const appHome = join(root.path, 'resume-app');
    cpSync(cliHome, appHome, { recursive: true });

    const resumed = await greffier(
      cliHome,
      'jobs',
      '--resume',
      '--asr-model',
      models.whisper,
      '--llm-model',
      models.llm,
      '--threads',
      '1',
      '--passphrase-file',
      passFile,
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/ran .*transcribe .*done/);
    expect(resumed.stdout).toMatch(/ran .*summarize .*done/);
    expect(resumed.stdout).toMatch(/ran .*index .*done/);

    const service = new AppService({
      home: appHome,
      threads: 1,
      fallbackModels: { asr: models.whisper, llm: models.llm },
    });
    try {
      await call(service, 'vault.unlock', { passphrase: PASS });
      await service.idle();
    } finally {
      await service.close();
    }

    const fromCli = await openVault(join(cliHome, 'vault'), Buffer.from(PASS));
    const fromApp = await openVault(join(appHome, 'vault'), Buffer.from(PASS));
    try {
      const a = await outcome(fromCli, meetingId);
      const b = await outcome(fromApp, meetingId);
      expect(a.segments.length).toBeGreaterThan(0);
      expect(a.segments.some((s) => s.speakerId === 'p1')).toBe(true);
      expect(b).toEqual(a);
      expect(a.indexed).toEqual([meetingId]);
      expect(fromApp.jobs.list({ meetingId }).map((j) => [j.kind, j.state])).toEqual(
        fromCli.jobs.list({ meetingId }).map((j) => [j.kind, j.state]),
      );
    } finally {
      await fromCli.vault.lock();
      await fromApp.vault.lock();
    }
  }, 300_000);
});
