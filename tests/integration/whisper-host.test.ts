import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { pausableProcess, Scheduler } from '../../src/core/scheduler/index.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWav, floatToInt16 } from '../../src/core/audio/index.js';
import { closeWhisperHosts, hostBesideCli, WhisperHost } from '../../src/core/asr/whisper-host.js';
import {
  transcribePcmDetailed,
  utteranceTokens,
  type TranscribeOptions,
} from '../../src/core/asr/whisper.js';
import {
  sharedFile,
  sharedFileMissing,
  speechToolsMissing,
  spokenWav,
} from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const skip = speechToolsMissing() ?? sharedFileMissing('ggml-silero-v6.2.0.bin');
if (skip) console.warn(`whisper host tests skipped: ${skip}`);
if (process.platform !== 'linux') console.warn('whisper host freeze test skipped: it reads /proc');

/** What the two paths must agree on: the lines, their times and their tokens. */
const lines = (run: Awaited<ReturnType<typeof transcribePcmDetailed>>) =>
  run.transcript.segments.map((s) => ({
    text: s.text,
    startMs: s.startMs,
    endMs: s.endMs,
    tokens: s.tokens?.map((t) => [t.text, t.startMs, t.endMs]),
  }));

describe.skipIf(Boolean(skip))('the whisper host: one loaded model across windows', () => {
  const home = tempDir('greffier-whisper-host-');
  let base: TranscribeOptions;
  let windows: Int16Array[] = [];

  beforeAll(async () => {
    base = {
      model: (await testModels()).whisper,
      whisperCli: await whisperCli(),
      vadModel: sharedFile('ggml-silero-v6.2.0.bin')!,
      language: 'fr',
      threads: 2,
      beamSize: 1,
    };
    // ~23 s of French speech cut into three windows, as the final pass would.
    const speech = decodeWav(readFileSync(spokenWav({ lang: 'fr', repeat: 3 }))).channels[0]!;
    const pcm = floatToInt16(speech);
    const third = Math.floor(pcm.length / 3);
    windows = [0, 1, 2].map((i) => pcm.slice(i * third, (i + 1) * third));
  });
  afterAll(() => {
    closeWhisperHosts();
    home.remove();
  });

  it('runs several windows in one process and gives what whisper-cli gives for each', async () => {
    const pids = new Set<number | undefined>();
    for (const [i, window] of windows.entries()) {
      // Greedy without fallback is deterministic: the comparison is exact. With the
      // fallback, whisper samples at higher temperatures from a generator each process
      // seeds once, so only a fresh host's first window can be compared (below).
      const options = { ...base, noFallback: true };
      const hosted = await transcribePcmDetailed(window, {
        ...options,
        host: 'final',
        onSpawn: (child) => pids.add(child.pid),
      });
      const cli = await transcribePcmDetailed(window, options);
      expect(lines(cli).length, `window ${i} has lines`).toBeGreaterThan(0);
      expect(lines(hosted), `window ${i}`).toEqual(lines(cli));
      expect(hosted.transcript.language).toBe(cli.transcript.language);
      expect(hosted.vad).toEqual(cli.vad);
      expect(hosted.timings.encodeRuns).toBe(cli.timings.encodeRuns);
      // The caller's samples are left intact.
      expect(window.some((s) => s !== 0)).toBe(true);
    }
    expect(pids.size).toBe(1);
    expect([...pids][0]).toBeGreaterThan(0);
  });

  it("a fresh host's window with the temperature fallback matches whisper-cli too", async () => {
    const host = new WhisperHost({
      binary: hostBesideCli(base.whisperCli!),
      model: base.model,
      vadModel: base.vadModel!,
    });
    try {
      const reply = await host.transcribe(windows[1]!, { language: 'fr', threads: 2, beamSize: 1 });
      const cli = await transcribePcmDetailed(windows[1]!, base);
      const parsed = JSON.parse(reply.json) as { transcription: { text: string }[] };
      expect(parsed.transcription.map((s) => s.text.trim()).filter(Boolean)).toEqual(
        cli.transcript.segments.map((s) => s.text),
      );
      expect(host.starts).toBe(1);
    } finally {
      host.close();
    }
  });

  // SIGSTOP and /proc: Linux (macOS freezes the same way but has no /proc to look).
  it.skipIf(process.platform !== 'linux')(
    'the scheduler freezes the host mid-window for live work, then the window finishes',
    async () => {
      const scheduler = new Scheduler();
      let pid = 0;
      let live: Promise<string> | undefined;
      let frozenSeen = '';
      const options = { ...base, noFallback: true };
      const final = scheduler.run('final', (task) =>
        transcribePcmDetailed(windows[2]!, {
          ...options,
          host: 'final',
          signal: task.signal,
          onSpawn: (child) => {
            pid = child.pid!;
            task.hold(pausableProcess(child));
          },
          // The host is working on the window: live work arrives now.
          onLog: () => {
            live ??= scheduler.run('live', async () => {
              await until(() => stateOf(pid) === 'T');
              frozenSeen = stateOf(pid);
              return 'live lines';
            });
          },
        }),
      );
      const hosted = await final;
      await expect(live).resolves.toBe('live lines');
      expect(frozenSeen).toBe('T');
      expect(scheduler.figures().preemptions.final).toBe(1);
      const cli = await transcribePcmDetailed(windows[2]!, options);
      expect(lines(hosted)).toEqual(lines(cli));
    },
  );

  it('a cancel mid-window kills the host; the next window starts a new one and works', async () => {
    const host = new WhisperHost({
      binary: hostBesideCli(base.whisperCli!),
      model: base.model,
      vadModel: base.vadModel!,
    });
    try {
      const cancel = new AbortController();
      const first = host.transcribe(
        windows[0]!,
        { language: 'fr', threads: 2, beamSize: 1, noFallback: true },
        {
          signal: cancel.signal,
          // whisper's first log line of the window: it is working on it.
          onLog: () => cancel.abort(),
        },
      );
      await expect(first).rejects.toMatchObject({ code: 'cancelled' });
      expect(host.starts).toBe(1);
      const next = await host.transcribe(windows[0]!, {
        language: 'fr',
        threads: 2,
        beamSize: 1,
        noFallback: true,
      });
      expect(host.starts).toBe(2);
      const cli = await transcribePcmDetailed(windows[0]!, { ...base, noFallback: true });
      const parsed = JSON.parse(next.json) as { transcription: { text: string }[] };
      expect(parsed.transcription.map((s) => s.text.trim()).filter(Boolean)).toEqual(
        cli.transcript.segments.map((s) => s.text),
      );
    } finally {
      host.close();
    }
  });

  it('a model cut before its weights gives the same clear error as whisper-cli', async () => {
    const whole = readFileSync(base.model);
    // The header and vocabulary only: whisper.cpp would take it for an empty test model.
    const cut = join(home.path, 'cut.bin');
    writeFileSync(cut, whole.subarray(0, headerEnd(whole)));
    const options = { ...base, model: cut, noFallback: true };
    const viaCli = await transcribePcmDetailed(windows[0]!, options).catch((e: unknown) => e);
    const viaHost = await transcribePcmDetailed(windows[0]!, { ...options, host: 'final' }).catch(
      (e: unknown) => e,
    );
    expect(viaCli).toMatchObject({ code: 'model-damaged' });
    expect(viaHost).toMatchObject({
      code: 'model-damaged',
      message: (viaCli as Error).message,
      // What to do is said from one place for both paths.
      hint: (viaCli as { hint?: string }).hint,
    });
  });

  it('answers malformed requests with error lines, never a crash', async () => {
    const child = spawn(hostBesideCli(base.whisperCli!), ['-m', base.model], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stdin.write('not json\n');
    child.stdin.write('{"id":2,"samples":-1}\n');
    child.stdin.write('{"id":3,"samples":1.5}\n');
    child.stdin.write('{"id":4,"samples":0,"language":"fr","threads":1}\n');
    child.stdin.write('{"id":5,"samples":0,"maxTokens":225}\n');
    child.stdin.write('{"id":6,"samples":0,"maxTokens":8,"carry":true}\n');
    child.stdin.end();
    const code = await new Promise<number | null>((done) => child.on('close', done));
    const replies = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(replies[0]).toMatchObject({ event: 'ready' });
    expect(replies.slice(1)).toEqual([
      {
        id: null,
        error: { code: 'bad-request', message: expect.stringMatching(/not valid JSON/) },
      },
      { id: 2, error: { code: 'bad-request', message: expect.stringMatching(/samples/) } },
      { id: 3, error: { code: 'bad-request', message: expect.stringMatching(/samples/) } },
      expect.objectContaining({ id: 4, transcription: [] }),
      { id: 5, error: { code: 'bad-request', message: expect.stringMatching(/maxTokens/) } },
      { id: 6, error: { code: 'bad-request', message: expect.stringMatching(/maxTokens/) } },
    ]);
    // Its input closed: it left on its own, cleanly.
    expect(code).toBe(0);
  });

  it("bounds a spoken question's run: one segment of at most maxTokens tokens", async () => {
    const options = { ...base, noFallback: true, host: 'question' as const };
    const tokens = (run: Awaited<ReturnType<typeof transcribePcmDetailed>>) =>
      run.transcript.segments.reduce((sum, s) => sum + (s.tokens?.length ?? 0), 0);
    const free = await transcribePcmDetailed(windows[0]!, options);
    const bounded = await transcribePcmDetailed(windows[0]!, { ...options, maxTokens: 6 });
    // The generated model decodes far past what ~8 s of speech holds; the bound stops it.
    expect(tokens(free)).toBeGreaterThan(12);
    expect(bounded.transcript.segments.length).toBe(1);
    expect(tokens(bounded)).toBeGreaterThan(0);
    expect(tokens(bounded)).toBeLessThanOrEqual(6);
    expect(bounded.timings.encodeRuns).toBe(1);
    expect(utteranceTokens(4_400)).toBeGreaterThanOrEqual(4.4 * 7);
    expect(utteranceTokens(600_000)).toBe(224);
  });

  it('answers a bad request with an error line and keeps serving', async () => {
    const host = new WhisperHost({ binary: hostBesideCli(base.whisperCli!), model: base.model });
    try {
      await expect(
        host.transcribe(windows[0]!, { language: 'xx', threads: 2, noFallback: true }),
      ).rejects.toMatchObject({ code: 'engine-failed', message: /unknown language "xx"/ });
      const next = await host.transcribe(windows[0]!, {
        language: 'fr',
        threads: 2,
        beamSize: 1,
        noFallback: true,
      });
      expect(JSON.parse(next.json)).toHaveProperty('transcription');
      expect(host.starts).toBe(1);
    } finally {
      host.close();
    }
  });
});

/** Linux's process state letter: T when stopped. */
function stateOf(pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;
}

async function until(check: () => boolean): Promise<void> {
  // Yields to the event loop (no timer): the kernel delivers signals between turns.
  while (!check()) await new Promise((done) => setImmediate(done));
}

/**
 * Where a ggml whisper file's tensors begin: magic, 11 hyper-parameters, the
 * mel filters (two counts and n_mel × n_fft floats) and the vocabulary.
 */
function headerEnd(file: Buffer): number {
  let at = 4 + 11 * 4;
  const nMel = file.readInt32LE(at);
  const nFft = file.readInt32LE(at + 4);
  at += 8 + nMel * nFft * 4;
  const words = file.readInt32LE(at);
  at += 4;
  for (let i = 0; i < words; i++) at += 4 + file.readUInt32LE(at);
  return at;
}
