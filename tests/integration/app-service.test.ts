import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { WHISPER_TINY_SYNTH, writeWhisperModel } from '../../src/core/models/synth/index.js';
import type { CallName, CallOutput, EventName } from '../../src/shared/api.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels, type GeneratedModels } from '../helpers/models.js';
import { TEST_KDF, syntheticChunk, tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';
import { defaultThreads } from '../../src/core/threads.js';
import { callOk, callRefused } from '../helpers/app-api.js';

/**
 * The app service on a real vault with the real whisper-cli and generated
 * models: what both Electron and the devhost run behind their transports.
 */
const PASS = 'une phrase secrète assez longue';

function pcm(samples: Int16Array): string {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}

class Harness {
  readonly dir = tempDir('greffier-app-');
  readonly events: { event: EventName; payload: unknown }[] = [];
  readonly service: AppService;
  constructor(models?: GeneratedModels) {
    this.service = new AppService({
      home: this.dir.path,
      kdf: TEST_KDF,
      threads: defaultThreads(),
      ...(models ? { fallbackModels: { asr: models.whisper, llm: models.llm } } : {}),
    });
    this.service.dispatcher.onEvent((event, payload) => this.events.push({ event, payload }));
  }
  ok<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
    return callOk(this.service, name, input);
  }
  fails(name: CallName, input: unknown) {
    return callRefused(this.service, name, input);
  }
  async close() {
    await this.service.close();
    this.dir.remove();
  }
}

describe('app service without engines', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('creates, locks and unlocks a vault; a wrong passphrase says so', async () => {
    h = new Harness();
    expect((await h.ok('app.status', {})).vault).toBe('absent');
    const short = await h.fails('vault.create', { passphrase: 'short' });
    expect(short.code).toBe('weak-passphrase');
    expect(short.hint).toBeTruthy();
    await h.ok('vault.create', { passphrase: PASS });
    expect(await h.ok('app.status', {})).toMatchObject({ vault: 'unlocked', hasAsrModel: false });
    await h.ok('vault.lock', {});
    expect((await h.ok('app.status', {})).vault).toBe('locked');
    expect(h.events.some((e) => e.event === 'vault.locked')).toBe(true);
    const locked = await h.fails('meetings.list', {});
    expect(locked).toMatchObject({ code: 'vault-locked', message: 'The vault is locked.' });
    const wrong = await h.fails('vault.unlock', { passphrase: 'not the passphrase' });
    expect(wrong).toMatchObject({ code: 'wrong-passphrase' });
    await h.ok('vault.unlock', { passphrase: PASS });
    expect((await h.ok('app.status', {})).vault).toBe('unlocked');
  });

  it('changes the passphrase only when the current one is given', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const refused = await h.fails('vault.changePassphrase', {
      current: 'wrong wrong',
      next: 'nouvelle phrase',
    });
    expect(refused.code).toBe('wrong-passphrase');
    await h.ok('vault.changePassphrase', { current: PASS, next: 'nouvelle phrase secrète' });
    await h.ok('vault.lock', {});
    expect((await h.fails('vault.unlock', { passphrase: PASS })).code).toBe('wrong-passphrase');
    await h.ok('vault.unlock', { passphrase: 'nouvelle phrase secrète' });
  });

  it('records chunks in order, acknowledges repeats, refuses gaps and odd bytes', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const { meetingId } = await h.ok('recording.start', {
      title: 'Comité',
      language: 'fr',
      speakers: ['Alice', 'Bruno'],
    });
    expect(
      await h.ok('recording.append', { meetingId, seq: 0, pcm: pcm(syntheticChunk(0)) }),
    ).toEqual({
      acknowledgedSeq: 0,
      durationMs: 1000,
    });
    // A retry of chunk 0 is acknowledged without storing it twice.
    expect(
      (await h.ok('recording.append', { meetingId, seq: 0, pcm: pcm(syntheticChunk(0)) }))
        .durationMs,
    ).toBe(1000);
    const gap = await h.fails('recording.append', {
      meetingId,
      seq: 5,
      pcm: pcm(syntheticChunk(5)),
    });
    expect(gap).toMatchObject({
      code: 'audio-gap',
      message: 'Audio chunk 1 never arrived (got 5).',
    });
    const odd = await h.fails('recording.append', {
      meetingId,
      seq: 1,
      pcm: Buffer.from([1, 2, 3]).toString('base64'),
    });
    expect(odd.code).toBe('bad-audio');
    const notBase64 = await h.fails('recording.append', { meetingId, seq: 1, pcm: '<script>' });
    expect(notBase64.code).toBe('invalid-request');
    await h.ok('recording.append', { meetingId, seq: 1, pcm: pcm(syntheticChunk(1)) });

    const detail = await h.ok('meetings.get', { id: meetingId });
    expect(detail.speakers.map((s) => s.name)).toEqual(['Alice', 'Bruno']);
    await h.ok('recording.speakerTurn', {
      meetingId,
      speakerId: detail.speakers[1]!.id,
      atMs: 500,
    });
    const noSpeaker = await h.fails('recording.speakerTurn', {
      meetingId,
      speakerId: 'p9',
      atMs: 1,
    });
    expect(noSpeaker.code).toBe('no-speaker');
    await h.ok('recording.marker', { meetingId, atMs: 800, label: 'vote' });
    expect(await h.ok('recording.addSpeaker', { meetingId, name: 'Chloé' })).toEqual({
      id: 'p3',
      name: 'Chloé',
    });

    await h.ok('recording.stop', { meetingId });
    const notRecording = await h.fails('recording.append', {
      meetingId,
      seq: 2,
      pcm: pcm(syntheticChunk(2)),
    });
    expect(notRecording.code).toBe('not-recording');

    await h.service.idle();
    const after = await h.ok('meetings.get', { id: meetingId });
    expect(after).toMatchObject({
      status: 'ready',
      durationMs: 2000,
      markers: [{ atMs: 800, label: 'vote' }],
    });
    // No model installed: the transcription waits for one (never a dead end), saying why.
    expect(after.jobs).toEqual([
      expect.objectContaining({
        kind: 'transcribe',
        state: 'queued',
        error: expect.stringMatching(/no speech model/),
      }),
    ]);
    const list = await h.ok('meetings.list', { query: 'comite' });
    expect(list.map((m) => m.id)).toEqual([meetingId]);
    expect(await h.ok('meetings.list', { status: 'failed' })).toEqual([]);

    // Playback returns exactly the samples asked for, as a WAV.
    const { wavBase64 } = await h.ok('meetings.audio', { id: meetingId, fromMs: 500, toMs: 1500 });
    const wav = Buffer.from(wavBase64, 'base64');
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.length).toBe(44 + 16_000 * 2);
    expect(wav.readInt16LE(44)).toBe(syntheticChunk(0)[8000]);
    expect((await h.fails('meetings.audio', { id: meetingId, fromMs: 10, toMs: 10 })).code).toBe(
      'bad-range',
    );

    const md = await h.ok('export.meeting', { meetingId, format: 'md' });
    expect(md.fileName).toBe('Comite.md');
    expect(Buffer.from(md.base64, 'base64').toString()).toContain('# Comité');

    await h.ok('meetings.delete', { id: meetingId });
    expect((await h.fails('meetings.get', { id: meetingId })).code).toBe('no-meeting');
  });

  it('imports models from a folder, refusing what it cannot verify', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    const missing = await h.fails('models.import', { folder: '/no/such/folder' });
    expect(missing).toMatchObject({ code: 'import-folder' });
    const models = await testModels();
    const folder = models.whisper.replace(/\/[^/]+$/, '');
    const untrusted = await h.ok('models.import', { folder });
    expect(untrusted.imported).toEqual([]);
    expect(untrusted.skipped.join('\n')).toMatch(/not in the model catalogue/);
    const trusted = await h.ok('models.import', { folder, trustUnlisted: true });
    expect(trusted.imported.map((m) => m.kind).sort()).toEqual(['asr', 'llm']);
    expect(
      (await h.ok('models.list', {})).every((m) => m.verification === 'trusted-unlisted'),
    ).toBe(true);
    expect(await h.ok('app.status', {})).toMatchObject({ hasAsrModel: true, hasLlmModel: true });

    // The walk: a model imported after the default stayed unused, and Settings could not
    // choose it (a damaged default was a dead end). The user picks the default now.
    const second = join(h.dir.path, 'usb-2');
    mkdirSync(second);
    writeWhisperModel(join(second, 'whisper-2.bin'), WHISPER_TINY_SYNTH, 2);
    const [added] = (await h.ok('models.import', { folder: second, trustUnlisted: true })).imported;
    expect(added).toMatchObject({ kind: 'asr', isDefault: false });
    const after = await h.ok('models.setDefault', { kind: 'asr', path: added!.path });
    expect(after.filter((m) => m.kind === 'asr' && m.isDefault).map((m) => m.path)).toEqual([
      added!.path,
    ]);
    expect((await h.fails('models.setDefault', { kind: 'asr', path: '/no/such.bin' })).code).toBe(
      'model-missing',
    );
  });

  it('refuses an empty question and reports minutes templates', async () => {
    h = new Harness();
    await h.ok('vault.create', { passphrase: PASS });
    expect((await h.fails('ask.question', { language: 'fr' })).code).toBe('empty-question');
    expect(await h.ok('minutes.templates', {})).toContain('general');
    expect((await h.fails('minutes.regenerate', { meetingId: 'mx', template: 'nope' })).code).toBe(
      'no-template',
    );
  });
});

const skipSpeech = speechToolsMissing();
if (skipSpeech) console.warn(`app service with whisper skipped: ${skipSpeech}`);

describe.skipIf(Boolean(skipSpeech))('app service with the real whisper-cli', () => {
  let h: Harness;
  let models: GeneratedModels;
  beforeAll(async () => {
    process.env.GREFFIER_WHISPER_CLI = await whisperCli();
    models = await testModels();
  });
  afterEach(async () => h?.close());

  // Recording, transcription, minutes (live notes included) and an answer, on 2 shared cores.
  it(
    'shows live lines while recording, then transcribes after stop',
    { timeout: 300_000 },
    async () => {
      h = new Harness(models);
      await h.ok('vault.create', { passphrase: PASS });
      const { meetingId } = await h.ok('recording.start', {
        title: 'Conseil',
        language: 'fr',
        speakers: ['Maire'],
      });
      await h.ok('recording.speakerTurn', { meetingId, speakerId: 'p1', atMs: 0 });
      const wav = readFileSync(spokenWav({ lang: 'fr' })).subarray(44);
      let seq = 0;
      for (let offset = 0; offset < wav.length; offset += 32_000) {
        await h.ok('recording.append', {
          meetingId,
          seq: seq++,
          pcm: wav.subarray(offset, offset + 32_000).toString('base64'),
        });
      }
      await expect
        .poll(() => h.events.filter((e) => e.event === 'live.segments').length, { timeout: 60_000 })
        .toBeGreaterThan(0);
      const live = h.events.find((e) => e.event === 'live.segments')!.payload as {
        segments: { speakerId?: string; startMs: number; text: string }[];
      };
      expect(live.segments[0]!.speakerId).toBe('p1');
      expect(live.segments[0]!.text.length).toBeGreaterThan(0);

      await h.ok('recording.stop', { meetingId });
      await h.service.idle();
      const detail = await h.ok('meetings.get', { id: meetingId });
      expect(detail.segments.length).toBeGreaterThan(0);
      expect(detail.segments[0]!.speakerId).toBe('p1');
      expect(detail.jobs.map((j) => [j.kind, j.state])).toEqual([
        ['transcribe', 'done'],
        ['summarize', 'done'],
        ['index', 'done'],
      ]);
      expect(detail.minutes?.meetingId).toBe(meetingId);
      expect(detail.status).toBe('ready');
      const progress = h.events.filter((e) => e.event === 'job.progress');
      expect(progress.length).toBeGreaterThan(0);

      // A typed question: the answer streams back as events, with verified citations or not-found.
      const { questionId } = await h.ok('ask.question', {
        text: 'Quel est le budget ?',
        language: 'fr',
      });
      await expect
        .poll(
          () =>
            h.events.find(
              (e) =>
                ['ask.answer', 'ask.failed'].includes(e.event) &&
                (e.payload as { questionId: string }).questionId === questionId,
            )?.event,
          { timeout: 120_000 },
        )
        .toBe('ask.answer');
      const answer = (
        h.events.find((e) => e.event === 'ask.answer')!.payload as {
          answer: {
            found: boolean;
            answer: string;
            citations: { meetingId: string; meetingTitle?: string }[];
          };
        }
      ).answer;
      if (answer.found) {
        expect(
          answer.citations.every((c) => c.meetingId === meetingId && c.meetingTitle === 'Conseil'),
        ).toBe(true);
      } else {
        expect(answer.answer).toBe('Aucune information trouvée dans les réunions enregistrées.');
        expect(answer.citations).toEqual([]);
      }
      const stages = h.events
        .filter((e) => e.event === 'ask.progress')
        .map((e) => (e.payload as { stage: string }).stage);
      expect(stages).toContain('answering');
    },
  );
});
