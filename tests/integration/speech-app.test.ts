import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { decodeWav } from '../../src/core/audio/wav.js';
import { VOICE_SAMPLE_RATE, writeVoiceModel } from '../../src/core/models/synth/voice-model.js';
import { espeakDataCandidates } from '../../src/core/speech/voice-files.js';
import type { CallName, CallOutput } from '../../src/shared/api.js';
import { TEST_KDF, tempDir } from '../helpers/vault.js';
import { callOk } from '../helpers/app-api.js';

// The app's door to the neural voice (what the Ask screen calls): the real
// sherpa-onnx OfflineTts behind the app service, with a generated voice.
const PASS = 'une phrase secrète assez longue';
const noEspeak = espeakDataCandidates('/nowhere/x.onnx').some((d) => existsSync(join(d, 'phontab')))
  ? undefined
  : 'espeak-ng data not installed (apt-get install espeak-ng-data): sherpa cannot phonemise';
if (noEspeak) console.warn(`the app neural-voice test is skipped: ${noEspeak}`);

class Harness {
  readonly dir = tempDir('greffier-speech-app-');
  readonly service: AppService;
  constructor(withVoice: boolean) {
    const voice = withVoice ? writeVoiceModel(join(this.dir.path, 'voice'), 1).model : undefined;
    this.service = new AppService({
      home: join(this.dir.path, 'home'),
      kdf: TEST_KDF,
      ...(voice ? { fallbackModels: { speech: voice } } : {}),
    });
  }
  ok<N extends CallName>(name: N, input: unknown): Promise<CallOutput<N>> {
    return callOk(this.service, name, input);
  }
  async close() {
    await this.service.close();
    this.dir.remove();
  }
}

function seconds(wavBase64: string): { seconds: number; sampleRate: number } {
  const bytes = Buffer.from(wavBase64, 'base64');
  const sampleRate = bytes.readUInt32LE(24);
  return { seconds: bytes.readUInt32LE(40) / 2 / sampleRate, sampleRate };
}

describe.skipIf(noEspeak !== undefined)('the app reads answers with the neural voice', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('says there is no voice when none is installed, so the page keeps the system voices', async () => {
    h = new Harness(false);
    await h.ok('vault.create', { passphrase: PASS });
    expect(await h.ok('speech.voice', { language: 'fr' })).toEqual({ available: false });
    const response = await h.service.dispatcher.call('speech.say', {
      text: 'Bonjour.',
      language: 'fr',
    });
    expect(response.ok).toBe(false);
    if (!response.ok) {
      expect(response.error.code).toBe('speech-voice-missing');
      expect(response.error.hint).toMatch(/--kind speech/);
    }
  });

  it('reads a French sentence as a WAV when a French voice is installed; none for English', async () => {
    h = new Harness(true);
    await h.ok('vault.create', { passphrase: PASS });
    expect(await h.ok('speech.voice', { language: 'fr' })).toEqual({ available: true });
    expect(await h.ok('speech.voice', { language: 'en' })).toEqual({ available: false });
    const spoken = await h.ok('speech.say', {
      text: 'Le conseil a adopté le budget de la cantine.',
      language: 'fr',
    });
    expect(spoken.stopped).toBe(false);
    const wav = seconds(spoken.wavBase64);
    expect(wav.sampleRate).toBe(VOICE_SAMPLE_RATE);
    expect(wav.seconds).toBeGreaterThan(1.5);
    expect(wav.seconds).toBeLessThan(10);
    // The page plays it as any WAV: a readable 16-bit PCM file.
    expect(decodeWav(Buffer.from(spoken.wavBase64, 'base64')).sampleRate).toBe(VOICE_SAMPLE_RATE);
  });

  it('stops reading when the official presses the key again (speech.stop), then reads again', async () => {
    h = new Harness(true);
    await h.ok('vault.create', { passphrase: PASS });
    const long = Array.from(
      { length: 40 },
      (_, i) => `Point numéro ${i + 1} de l’ordre du jour.`,
    ).join(' ');
    const reading = h.ok('speech.say', { text: long, language: 'fr' });
    await h.ok('speech.stop', {});
    const stopped = await reading;
    expect(stopped.stopped).toBe(true);
    // Far less than the 40 sentences (each over a second): at most the one being computed.
    expect(seconds(stopped.wavBase64).seconds).toBeLessThan(5);
    const again = await h.ok('speech.say', { text: 'La séance reprend.', language: 'fr' });
    expect(again.stopped).toBe(false);
    expect(seconds(again.wavBase64).seconds).toBeGreaterThan(0.5);
  });

  it('has no voice while the vault is locked', async () => {
    h = new Harness(true);
    await h.ok('vault.create', { passphrase: PASS });
    await h.ok('vault.lock', {});
    expect(await h.ok('speech.voice', { language: 'fr' })).toEqual({ available: false });
  });
});
