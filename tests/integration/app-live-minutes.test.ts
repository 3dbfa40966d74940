import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { ModelHost } from '../../src/core/llm/host.js';
import {
  LIVE_MINUTES_BLOB,
  LiveMinutes,
  loadLiveMinutes,
} from '../../src/core/llm/live-minutes.js';
import { summarizeMeeting } from '../../src/core/pipeline/minutes.js';
import type { SummarySegment } from '../../src/core/llm/minutes.js';
import { loadTemplate } from '../../src/core/llm/prompts.js';
import type { MinutesTemplate } from '../../src/shared/minutes.js';
import type { CallName } from '../../src/shared/api.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels, type GeneratedModels } from '../helpers/models.js';
import { TEST_KDF, createTestVault, openTestVault, tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';
import { defaultThreads } from '../../src/core/threads.js';
import { callOk } from '../helpers/app-api.js';

/**
 * Minutes made during the recording: the live transcript feeds chunk notes
 * to the real (generated) language model before stop, and the summarize job
 * after stop stores the minutes.
 */
vi.setConfig({ testTimeout: 600_000 });

const PASS = 'une phrase secrète assez longue';
const skipSpeech = speechToolsMissing();
if (skipSpeech) console.warn(`live minutes skipped: ${skipSpeech}`);

describe.skipIf(Boolean(skipSpeech))('minutes during a recording', () => {
  let models: GeneratedModels;
  let dir: ReturnType<typeof tempDir>;
  let service: AppService;
  beforeAll(async () => {
    process.env.GREFFIER_WHISPER_CLI = await whisperCli();
    models = await testModels();
  });
  afterEach(async () => {
    await service?.close();
    dir?.remove();
  });

  const ok = <N extends CallName>(name: N, input: unknown) => callOk(service, name, input);

  it('writes chunk notes before stop, then stores the minutes', async () => {
    dir = tempDir('greffier-live-minutes-');
    service = new AppService({
      home: dir.path,
      kdf: TEST_KDF,
      threads: defaultThreads(),
      fallbackModels: { asr: models.whisper, llm: models.llm },
    });
    await ok('vault.create', { passphrase: PASS });
    const { meetingId } = await ok('recording.start', {
      title: 'Conseil',
      language: 'fr',
      speakers: ['Maire'],
    });
    await ok('recording.speakerTurn', { meetingId, speakerId: 'p1', atMs: 0 });
    const wav = readFileSync(spokenWav({ lang: 'fr', repeat: 4 })).subarray(44);
    let seq = 0;
    let chunksBeforeStop = 0;
    // Audio keeps coming (as from a microphone) until the first chunk notes exist.
    for (let round = 0; round < 8 && chunksBeforeStop === 0; round++) {
      for (let offset = 0; offset < wav.length; offset += 32_000) {
        await ok('recording.append', {
          meetingId,
          seq: seq++,
          pcm: wav.subarray(offset, offset + 32_000).toString('base64'),
        });
        // About real time at most ten times over: the live transcriber keeps up.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      chunksBeforeStop = service.liveMinutesChunks(meetingId);
    }
    await expect
      .poll(() => service.liveMinutesChunks(meetingId), { timeout: 300_000, interval: 500 })
      .toBeGreaterThan(0);
    chunksBeforeStop = service.liveMinutesChunks(meetingId);
    const before = await ok('meetings.get', { id: meetingId });
    expect(before.minutes).toBeUndefined();

    await ok('recording.stop', { meetingId });
    await service.idle();
    const detail = await ok('meetings.get', { id: meetingId });
    expect(detail.jobs.map((j) => [j.kind, j.state])).toEqual([
      ['transcribe', 'done'],
      ['summarize', 'done'],
      ['index', 'done'],
    ]);
    expect(detail.minutes?.meetingId).toBe(meetingId);
    expect(detail.minutes?.language).toBe('fr');
    // Every citation points at a segment of the final transcript, whatever was reused.
    const ids = new Set(detail.segments.map((s) => s.id));
    for (const item of [...detail.minutes!.decisions, ...detail.minutes!.actionItems]) {
      for (const id of item.segmentIds) expect(ids.has(id)).toBe(true);
    }
    expect(chunksBeforeStop).toBeGreaterThan(0);
  });
});

/** Small limits keep a random model's (always maximal) output short. */
const brief: MinutesTemplate = {
  ...loadTemplate('council-session'),
  limits: { decisions: 1, actionItems: 1, openQuestions: 0, topics: 1, interventions: 1 },
};

function council(n: number, id: (i: number) => string): SummarySegment[] {
  return Array.from({ length: n }, (_, i) => ({
    id: id(i),
    startMs: i * 6000,
    endMs: i * 6000 + 5500,
    speaker: i % 2 ? 'M. Durand' : 'Mme la Maire',
    text: `Point ${i} : le conseil municipal examine la délibération sur le budget des travaux de voirie et le vote est ${i % 2 ? 'pour' : 'contre'}.`,
  }));
}

describe('live notes saved in the vault and reused after stop', () => {
  const home = tempDir('greffier-live-notes-');
  const host = new ModelHost({ idleUnloadMs: 0 });
  afterAll(async () => {
    await host.close();
    home.remove();
  });

  it('survives a restart and spares the summarize job the chunks already written', async () => {
    const models = await testModels();
    const model = { path: models.llm, threads: defaultThreads(), contextSize: 4096 };
    const vaultDir = join(home.path, 'vault');
    let open = await createTestVault(vaultDir);
    const meeting = await open.meetings.create({ title: 'Conseil', language: 'fr' });
    const live = new LiveMinutes(open, {
      host,
      model,
      meetingId: meeting.id,
      meetingTitle: 'Conseil',
      language: 'fr',
      template: brief,
    });
    const lines = council(25, (i) => `live-${i + 1}`);
    // Five lines at a time, as the live transcriber delivers them.
    for (let i = 0; i < lines.length; i += 5) live.add(lines.slice(i, i + 5));
    await live.settled();
    expect(live.chunks).toBeGreaterThan(0);
    await open.meetings.finish(meeting.id);
    await open.vault.lock();

    // A restart: the notes are read back from the encrypted meeting blob.
    open = await openTestVault(vaultDir);
    try {
      const saved = await loadLiveMinutes(open, meeting.id);
      expect(saved?.progress.chunks).toBe(live.chunks);
      expect(saved?.template).toBe('council-session');
      // The final pass: other ids, the same words.
      const final = council(25, (i) => `s${i + 1}`);
      await open.meetings.setTranscript(
        meeting.id,
        final.map(({ speaker, ...s }) => ({ ...s, speakerId: speaker })),
      );
      const { minutes, reusedChunks } = await summarizeMeeting(open, meeting.id, {
        host,
        model,
        template: brief,
      });
      expect(reusedChunks).toBe(live.chunks);
      expect(minutes.method.chunks).toBeGreaterThanOrEqual(reusedChunks);
      const ids = new Set(final.map((s) => s.id));
      for (const item of [...minutes.decisions, ...minutes.actionItems]) {
        for (const id of item.segmentIds) expect(ids.has(id)).toBe(true);
      }
      // Used once: a regeneration with another template starts afresh.
      expect(await open.vault.readMeetingBlob(meeting.id, LIVE_MINUTES_BLOB)).toBeUndefined();
    } finally {
      await open.vault.lock();
    }
  });
});
