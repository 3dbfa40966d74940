import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOICE_SAMPLE_RATE } from '../../src/core/models/synth/voice-model.js';
import { espeakDataCandidates } from '../../src/core/speech/voice-files.js';
import { runGreffier } from '../helpers/cli.js';
import { tempDir } from '../helpers/vault.js';

// "greffier say": the CLI door to the neural voice, with the real sherpa-onnx
// and the project's generated Piper-shaped voice.
const home = tempDir('greffier-say-');
const noEspeak = espeakDataCandidates(join(home.path, 'x.onnx')).some((d) =>
  existsSync(join(d, 'phontab')),
)
  ? undefined
  : 'espeak-ng data not installed (apt-get install espeak-ng-data): sherpa cannot phonemise';
if (noEspeak) console.warn(`the "greffier say" test is skipped: ${noEspeak}`);

/** Sample rate and sample count of a 16-bit mono WAV written by encodeWav16. */
function wavFacts(bytes: Buffer): { sampleRate: number; samples: number } {
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
  return { sampleRate: bytes.readUInt32LE(24), samples: bytes.readUInt32LE(40) / 2 };
}

describe.skipIf(noEspeak !== undefined)('greffier say (neural voice)', () => {
  const env = { ...process.env, GREFFIER_HOME: join(home.path, 'home') };
  const pass = join(home.path, 'pass');
  let voice: string;

  beforeAll(async () => {
    writeFileSync(pass, 'une phrase secrète assez longue pour le coffre\n');
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const synth = await runGreffier(env, ['models', 'synth', '--out', join(home.path, 'm')]);
    voice = synth.stdout.trim().split('\n')[4]!;
  }, 300_000);
  afterAll(() => home.remove());

  it('says clearly that no voice is installed, and how to install one', async () => {
    const run = await runGreffier(env, [
      'say',
      'Bonjour.',
      '--out',
      join(home.path, 'none.wav'),
      '--passphrase-file',
      pass,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no speech \(Piper voice\) model is installed/);
    expect(run.stderr).toMatch(/models add <file> --kind speech/);
    expect(existsSync(join(home.path, 'none.wav'))).toBe(false);
  });

  it('writes a WAV of the text read with the voice given', async () => {
    const out = join(home.path, 'given.wav');
    const run = await runGreffier(env, [
      'say',
      'La séance est ouverte. Le budget est adopté.',
      '--out',
      out,
      '--voice',
      voice,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/given\.wav\t\d+\.\d s/);
    const { sampleRate, samples } = wavFacts(readFileSync(out));
    expect(sampleRate).toBe(VOICE_SAMPLE_RATE);
    // Two short sentences and a pause: a few seconds, not a click and not a minute.
    expect(samples / sampleRate).toBeGreaterThan(2);
    expect(samples / sampleRate).toBeLessThan(15);
  });

  it('reads with the vault’s installed voice once IT has added it', async () => {
    const add = await runGreffier(env, [
      'models',
      'add',
      voice,
      '--kind',
      'speech',
      '--trust-unlisted',
      '--passphrase-file',
      pass,
    ]);
    expect(add.code, add.stderr).toBe(0);
    const out = join(home.path, 'installed.wav');
    const run = await runGreffier(env, [
      'say',
      'Le procès-verbal est approuvé.',
      '--out',
      out,
      '--passphrase-file',
      pass,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(wavFacts(readFileSync(out)).samples).toBeGreaterThan(VOICE_SAMPLE_RATE);
  });

  it('refuses bad usage with exit 2', async () => {
    const noOut = await runGreffier(env, ['say', 'Bonjour.', '--voice', voice]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out <file\.wav> is required/);
    const speed = await runGreffier(env, [
      'say',
      'Bonjour.',
      '--out',
      join(home.path, 'x.wav'),
      '--voice',
      voice,
      '--speed',
      '5',
    ]);
    expect(speed.code).toBe(2);
    expect(speed.stderr).toMatch(/--speed takes a number from 0\.5 to 2/);
  });

  it('refuses a file that is not a voice, without ending the process', async () => {
    const run = await runGreffier(env, [
      'say',
      'Bonjour.',
      '--out',
      join(home.path, 'y.wav'),
      '--voice',
      join(home.path, 'm', 'speakers', 'segmentation-synth.onnx'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/lacks the metadata sherpa-onnx reads/);
  });
});
