import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseVadSummary } from '../../src/core/asr/whisper.js';
import { WHISPER_HOST_NAME } from '../../src/core/asr/engine.js';
import { hostBesideCli } from '../../src/core/asr/whisper-host.js';
import { readWavFile, encodeWav16 } from '../../src/core/audio/wav.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { importWav } from '../../src/core/meetings/transcription.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import { meetingPipeline } from '../../src/core/pipeline/pipeline.js';
import { addModelFile } from '../../src/core/models/import.js';
import { homePaths } from '../../src/core/paths.js';
import {
  sharedFile,
  sharedFileMissing,
  speechToolsMissing,
  spokenWav,
} from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { createTestVault, TEST_PASSPHRASE } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';

// Issue 8: the installed VAD model is used by imports and final passes. A
// meeting of 20 s of silence, speech, 20 s of silence: with the VAD installed
// whisper is given the speech only; with the vault's useVad off, all of it.
const skip = speechToolsMissing() ?? sharedFileMissing('ggml-silero-v6.2.0.bin');
if (skip) console.warn(`the VAD import test is skipped: ${skip}`);

const SILENCE_S = 20;
const home = mkdtempSync(join(tmpdir(), 'greffier-vad-'));
const env: NodeJS.ProcessEnv = { GREFFIER_HOME: home };
const paths = homePaths(env);
let open: OpenVault;
let meetingWav: string;
let totalMs: number;

/** whisper-cli's stderr lines of one transcribe job. */
async function transcribeLog(): Promise<string[]> {
  const meeting = await importWav(open.meetings, meetingWav, { title: 'VAD', language: 'fr' });
  const job = await open.jobs.enqueue('transcribe', meeting.id);
  const lines: string[] = [];
  const done = await open.jobs.run(
    job.id,
    meetingPipeline({
      models: vaultModelSource(open, { env }),
      host: () => {
        throw new Error('no language model in this test');
      },
      env,
      threads: 2,
      engine: { onLog: (line) => lines.push(line) },
    }),
  );
  expect(done.error).toBeUndefined();
  expect(done.state).toBe('done');
  return lines;
}

describe.skipIf(skip !== undefined)('the installed VAD model', () => {
  beforeAll(async () => {
    await whisperCli();
    const speech = await readWavFile(spokenWav({ lang: 'fr' }));
    const rate = speech.sampleRate;
    const voice = speech.channels[0]!;
    const pad = new Float32Array(SILENCE_S * rate);
    const samples = new Float32Array(pad.length * 2 + voice.length);
    samples.set(voice, pad.length);
    totalMs = (samples.length / rate) * 1000;
    meetingWav = join(home, 'meeting.wav');
    writeFileSync(meetingWav, encodeWav16(samples, rate));

    open = await createTestVault(paths.vault);
    const options = { modelsDir: paths.models, trustUnlisted: true };
    await addModelFile(open.vault, (await testModels()).whisper, 'asr', options);
    await addModelFile(open.vault, sharedFile('ggml-silero-v6.2.0.bin')!, 'vad', options);
  }, 600_000);
  afterAll(async () => {
    await open?.vault.lock().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('gives whisper the speech without the 40 s of silence around it', async () => {
    const vad = parseVadSummary(await transcribeLog());
    expect(vad?.speechSegments).toBeGreaterThan(0);
    expect(vad?.speechMs).toBeGreaterThan(0);
    // At least the silence is gone (the VAD pads each segment a little).
    expect(vad!.speechMs!).toBeLessThan(totalMs - 30_000);
  });

  it('is not used when the vault setting turns it off', async () => {
    await open.vault.updateSettings({ useVad: false });
    try {
      expect(parseVadSummary(await transcribeLog())).toBeUndefined();
    } finally {
      await open.vault.updateSettings({ useVad: true });
    }
  });

  it('is used by "greffier import" without any flag', async () => {
    await open.vault.lock();
    // The real whisper-cli and whisper host (imports go through the host, found beside
    // the cli) behind scripts that keep a copy of their log.
    const log = join(home, 'whisper.log');
    const cli = await whisperCli();
    const wrapped = join(home, 'logged');
    mkdirSync(wrapped, { recursive: true });
    const wrapper = join(wrapped, 'whisper-cli');
    for (const [name, real] of [
      ['whisper-cli', cli],
      [WHISPER_HOST_NAME, hostBesideCli(cli)],
    ] as const) {
      writeFileSync(join(wrapped, name), `#!/bin/sh\n"${real}" "$@" 2>>"${log}"\n`);
      chmodSync(join(wrapped, name), 0o700);
    }
    const passFile = join(home, 'pass');
    writeFileSync(passFile, TEST_PASSPHRASE);
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (chunk) => (err += String(chunk)));
    const code = await runCli(
      ['import', meetingWav, '--title', 'Conseil', '--passphrase-file', passFile],
      {
        stdout: new PassThrough(),
        stderr,
        stdin: new PassThrough(),
        env: { ...env, GREFFIER_WHISPER_CLI: wrapper },
        signal: new AbortController().signal,
      },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const vad = parseVadSummary(readFileSync(log, 'utf8').split('\n'));
    expect(vad!.speechMs!).toBeLessThan(totalMs - 30_000);
  });
});
