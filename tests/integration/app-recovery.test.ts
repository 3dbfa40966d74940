import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { openVault } from '../../src/core/meetings/index.js';
import type { CallName, CallOutput, EventName } from '../../src/shared/api.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels, type GeneratedModels } from '../helpers/models.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';
import { callOk, callRefused } from '../helpers/app-api.js';

/**
 * Every meeting has a way forward (issue "the clerk's day without dead
 * ends"): a page reloaded mid-recording finds its recording again, a meeting
 * recorded before any model is installed is transcribed once one is, a
 * recording cut by a crash is recovered and transcribed, a failed step does
 * not stick, and a line's speaker can be set.
 */
const PASS = 'une phrase secrète assez longue';
const skip = speechToolsMissing();
if (skip) console.warn(`app recovery tests skipped: ${skip}`);

const root = tempDir('greffier-recovery-');
afterAll(() => root.remove());
let n = 0;
let models: GeneratedModels;
let speech: Buffer;

class Harness {
  readonly home = join(root.path, `h${n++}`);
  readonly events: { event: EventName; payload: unknown }[] = [];
  service: AppService;
  constructor(fallback?: GeneratedModels, home?: string) {
    if (home) this.home = home;
    this.service = new AppService({
      home: this.home,
      kdf: TEST_KDF,
      threads: 1,
      ...(fallback ? { fallbackModels: { asr: fallback.whisper } } : {}),
    });
    this.service.dispatcher.onEvent((event, payload) => this.events.push({ event, payload }));
  }
  ok<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
    return callOk(this.service, name, input);
  }
  fails(name: CallName, input: unknown) {
    return callRefused(this.service, name, input);
  }
  /** Sends the spoken fixture as the page does: 1 s chunks of 16-bit PCM. */
  async record(meetingId: string, fromSeq = 0, bytes = speech) {
    let seq = fromSeq;
    for (let offset = 0; offset < bytes.length; offset += 32_000) {
      await this.ok('recording.append', {
        meetingId,
        seq: seq++,
        pcm: bytes.subarray(offset, offset + 32_000).toString('base64'),
      });
    }
    return seq;
  }
  close() {
    return this.service.close();
  }
}

describe.skipIf(Boolean(skip))('the clerk always has a way forward', () => {
  let h: Harness | undefined;
  beforeAll(async () => {
    process.env.GREFFIER_WHISPER_CLI = await whisperCli();
    models = await testModels();
    speech = readFileSync(spokenWav({ lang: 'fr' })).subarray(44);
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a page reloaded mid-recording finds its recording, resumes it and finishes it', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const { meetingId } = await h.ok('recording.start', {
      title: 'Bureau',
      language: 'fr',
      speakers: [],
    });
    const half = speech.subarray(0, 64_000);
    const next = await h.record(meetingId, 0, half);
    // The page is gone; the new page asks what is still being recorded.
    const active = await h.ok('recording.active', {});
    expect(active).toEqual([
      { meetingId, title: 'Bureau', language: 'fr', nextSeq: next, durationMs: 2000 },
    ]);
    await h.record(meetingId, active[0]!.nextSeq, half);
    await h.ok('recording.stop', { meetingId });
    expect(await h.ok('recording.active', {})).toEqual([]);
    expect((await h.ok('meetings.get', { id: meetingId })).durationMs).toBe(4000);
  });

  it('a meeting recorded before any model is installed is transcribed once one is', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    expect(await h.ok('app.status', {})).toMatchObject({ hasAsrModel: false });
    const { meetingId } = await h.ok('recording.start', {
      title: 'Avant les modèles',
      language: 'fr',
      speakers: [],
    });
    await h.record(meetingId);
    await h.ok('recording.stop', { meetingId });
    await h.service.idle();
    const waiting = await h.ok('meetings.get', { id: meetingId });
    expect(waiting.segments).toEqual([]);
    expect(waiting.jobs.map((j) => [j.kind, j.state])).toEqual([['transcribe', 'queued']]);
    // The explicit action says what is missing rather than queueing a second wait.
    expect((await h.fails('meetings.transcribe', { id: meetingId })).code).toBe('no-model');

    const folder = models.whisper.replace(/\/[^/]+$/, '');
    const imported = await h.ok('models.import', { folder, trustUnlisted: true });
    expect(imported.imported.map((m) => m.kind)).toContain('asr');
    await expect
      .poll(async () => (await h!.ok('meetings.get', { id: meetingId })).segmentCount, {
        timeout: 120_000,
      })
      .toBeGreaterThan(0);
    await h.service.idle();
    const done = await h.ok('meetings.get', { id: meetingId });
    expect(done.jobs.find((j) => j.kind === 'transcribe')?.state).toBe('done');
  });

  it('a recording cut by a crash is recovered, kept « recovered », and transcribed', async () => {
    const home = join(root.path, 'crashed');
    const first = new Harness(undefined, home);
    await first.ok('vault.create', { passphrase: PASS });
    const { meetingId } = await first.ok('recording.start', {
      title: 'Coupure',
      language: 'fr',
      speakers: [],
    });
    await first.record(meetingId);
    // The window goes away mid-meeting: the vault locks without the recording being stopped.
    await first.close();
    const left = await openVault(join(home, 'vault'), Buffer.from(PASS));
    expect(left.meetings.getMeeting(meetingId)).toMatchObject({
      status: 'recovered',
      statusNote: expect.stringMatching(/interrupted/),
    });
    await left.vault.lock();

    h = new Harness(models, home);
    await h.ok('vault.unlock', { passphrase: PASS });
    await h.service.idle();
    const meeting = await h.ok('meetings.get', { id: meetingId });
    expect(meeting.segments.length).toBeGreaterThan(0);
    expect(meeting.status).toBe('recovered');
    expect(meeting.jobs.map((j) => [j.kind, j.state])).toContainEqual(['transcribe', 'done']);
  });

  it('sets, changes and clears the speaker of one line; refuses a stranger', async () => {
    h = new Harness(models);
    await h.ok('vault.create', { passphrase: PASS });
    const { meetingId } = await h.ok('recording.start', {
      title: 'Commission',
      language: 'fr',
      speakers: ['Mme Martin', 'M. Dupont'],
    });
    await h.record(meetingId);
    await h.ok('recording.stop', { meetingId });
    await h.service.idle();
    const { segments } = await h.ok('meetings.get', { id: meetingId });
    const line = segments[0]!;
    await h.ok('segments.setSpeaker', { meetingId, segmentId: line.id, speakerId: 'p2' });
    expect((await h.ok('meetings.get', { id: meetingId })).segments[0]!.speakerId).toBe('p2');
    await h.ok('segments.setSpeaker', { meetingId, segmentId: line.id, speakerId: null });
    expect((await h.ok('meetings.get', { id: meetingId })).segments[0]!.speakerId).toBeUndefined();
    expect(
      (await h.fails('segments.setSpeaker', { meetingId, segmentId: line.id, speakerId: 'p9' }))
        .code,
    ).toBe('no-speaker');
    expect(
      (await h.fails('segments.setSpeaker', { meetingId, segmentId: 'nope', speakerId: 'p1' }))
        .code,
    ).toBe('no-segment');
    // Transcribing again is an explicit action that goes through the pipeline.
    await h.ok('meetings.transcribe', { id: meetingId });
    await h.service.idle();
    const again = await h.ok('meetings.get', { id: meetingId });
    expect(again.jobs.filter((j) => j.kind === 'transcribe').map((j) => j.state)).toEqual([
      'done',
      'done',
    ]);
  });
});
