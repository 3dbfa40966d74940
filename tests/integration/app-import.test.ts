import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import type { CallName, CallOutput, EventName, EventPayload } from '../../src/shared/api.js';
import { IMPORT_CHUNK_BYTES } from '../../src/shared/import-api.js';
import { privateTempDir } from '../../src/core/tempfiles.js';
import { startDevhost } from '../../src/devhost/server.js';
import {
  encodedSpeech,
  ffmpegMissing,
  soxDurationMs,
  speechSource,
} from '../helpers/audio-formats.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';
import { callOk } from '../helpers/app-api.js';

/**
 * Importing a recording through the app's calls, as the window does: the
 * file in chunks into the sealed staging, the probe, the import with its
 * progress events, the meeting queued for transcription. Real ffmpeg-made
 * files of espeak-ng French, a real encrypted vault; no speech model (the
 * transcription waits, as after a recording on a machine without one).
 */
const PASS = 'une phrase secrète assez longue';
const missing = ffmpegMissing();
if (missing) console.warn(`app import tests skipped: ${missing}`);

class Harness {
  readonly dir = tempDir('greffier-app-import-');
  readonly events: { event: EventName; payload: unknown }[] = [];
  readonly service = new AppService({ home: this.dir.path, kdf: TEST_KDF });
  private waiters: (() => void)[] = [];
  constructor() {
    this.service.dispatcher.onEvent((event, payload) => {
      this.events.push({ event, payload });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
  ok<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
    return callOk(this.service, name, input);
  }
  /** Resolves with the first event of that name matching `which`, waiting for it if needed. */
  async next<E extends EventName>(
    event: E,
    which: (payload: EventPayload<E>) => boolean = () => true,
  ): Promise<EventPayload<E>> {
    for (;;) {
      const found = this.events.find((e) => e.event === event && which(e.payload as never));
      if (found) return found.payload as EventPayload<E>;
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
  /** Sends a file the way the window does: begin, then 1 MiB chunks (base64) in order. */
  async upload(path: string, fileName: string, chunk = IMPORT_CHUNK_BYTES): Promise<string> {
    const bytes = readFileSync(path);
    const { importId } = await this.ok('import.begin', { fileName, size: bytes.length });
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      const base64 = bytes.subarray(offset, offset + chunk).toString('base64');
      await this.ok('import.chunk', { importId, offset, base64 });
    }
    return importId;
  }
  async close() {
    await this.service.close();
    this.dir.remove();
  }
}

const sealedFiles = () => readdirSync(privateTempDir()).filter((name) => name.endsWith('.sealed'));

describe.skipIf(missing)('importing a recording in the app', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('imports an MP3 into a meeting of the same length, queued for transcription', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const mp3 = encodedSpeech('mp3');
    const source = readFileSync(mp3);
    // Small chunks so the sealed staging spans many blocks and a partial last one.
    const importId = await h.upload(mp3, 'conseil.mp3', 100_000);

    // What waits on disk is sealed: no run of the file's bytes appears in it.
    const staged = sealedFiles().map((name) => readFileSync(join(privateTempDir(), name)));
    expect(staged).toHaveLength(1);
    for (const at of [0, 4096, Math.floor(source.length / 2)]) {
      expect(staged[0]!.includes(source.subarray(at, at + 32))).toBe(false);
    }

    const probe = await h.ok('import.probe', { importId });
    expect(probe).toMatchObject({ fileName: 'conseil.mp3', container: 'mp3', codec: 'mp3' });
    expect(probe.refusal).toBeUndefined();
    expect(probe.durationMs).toBeGreaterThan(15_000);

    await h.ok('import.start', { importId, title: 'Conseil importé', language: 'fr' });
    const done = await h.next('import.finished', (e) => e.importId === importId);
    const progress = h.events.filter((e) => e.event === 'import.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect((progress.at(-1)!.payload as { fraction: number }).fraction).toBe(1);

    const meeting = await h.ok('meetings.get', { id: done.meetingId });
    expect(meeting.title).toBe('Conseil importé');
    const expected = soxDurationMs(speechSource());
    expect(Math.abs(meeting.durationMs - expected) / expected).toBeLessThan(0.01);
    // Queued exactly as after a recording's stop (it runs, or waits for a speech model).
    const job = meeting.jobs.find((j) => j.kind === 'transcribe');
    expect(['queued', 'running']).toContain(job?.state);
    const audio = await h.ok('meetings.audio', { id: done.meetingId, fromMs: 0, toMs: 1000 });
    expect(Buffer.from(audio.wavBase64, 'base64').length).toBeGreaterThan(30_000);
    // The staging is gone once imported.
    expect(sealedFiles()).toEqual([]);
  });

  it('refuses an M4A (AAC) at the probe and stores nothing', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const importId = await h.upload(encodedSpeech('m4a-aac'), 'telephone.m4a');
    const probe = await h.ok('import.probe', { importId });
    expect(probe.refusal).toMatchObject({ code: 'audio-aac' });
    expect(probe.refusal!.hint).toMatch(/ffmpeg/);
    expect(sealedFiles()).toEqual([]);
    // The refused upload is gone: it cannot be started.
    const start = await h.service.dispatcher.call('import.start', {
      importId,
      title: 'Non',
      language: 'fr',
    });
    expect(start).toMatchObject({ ok: false, error: { code: 'import-upload' } });
    expect(await h.ok('meetings.list', {})).toEqual([]);
  });

  it('cancelled mid-import, leaves no meeting and no staged file', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const importId = await h.upload(encodedSpeech('flac'), 'archive.flac');
    await h.ok('import.start', { importId, title: 'Annulée', language: 'fr' });
    await h.ok('import.cancel', { importId });
    const failed = await h.next('import.failed', (e) => e.importId === importId);
    expect(failed.error.code).toBe('cancelled');
    expect(await h.ok('meetings.list', {})).toEqual([]);
    expect(sealedFiles()).toEqual([]);
  });

  it('refuses a chunk out of order and drops the upload', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const { importId } = await h.ok('import.begin', { fileName: 'x.mp3', size: 10 });
    const gap = await h.service.dispatcher.call('import.chunk', {
      importId,
      offset: 4,
      base64: Buffer.from('abc').toString('base64'),
    });
    expect(gap).toMatchObject({ ok: false, error: { code: 'import-upload' } });
    expect(sealedFiles()).toEqual([]);
  });

  it('sends full 1 MiB chunks through the browser host, under its request limit', async () => {
    h = new Harness();
    const rendererDir = mkdtempSync(join(tmpdir(), 'greffier-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    const host = await startDevhost({ dispatcher: h.service.dispatcher, rendererDir });
    try {
      const call = async (name: string, input: unknown) => {
        const res = await fetch(new URL('/api/call', host.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-greffier-token': host.token },
          body: JSON.stringify({ name, input }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { ok: boolean; value?: unknown };
      };
      expect(await call('vault.create', { passphrase: PASS })).toMatchObject({ ok: true });
      const size = 2 * IMPORT_CHUNK_BYTES + 10;
      const begun = await call('import.begin', { fileName: 'gros.wav', size });
      const { importId } = begun.value as { importId: string };
      const chunk = Buffer.alloc(IMPORT_CHUNK_BYTES, 0x55).toString('base64');
      for (const offset of [0, IMPORT_CHUNK_BYTES]) {
        expect(await call('import.chunk', { importId, offset, base64: chunk })).toEqual({
          ok: true,
          value: { received: offset + IMPORT_CHUNK_BYTES },
        });
      }
      expect(await call('import.cancel', { importId })).toMatchObject({ ok: true });
      expect(sealedFiles()).toEqual([]);
    } finally {
      await host.close();
      rmSync(rendererDir, { recursive: true, force: true });
    }
  });
});
