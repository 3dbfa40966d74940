import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GreffierError } from '../../src/core/errors.js';
import { encodeOnnx, onnxMetadata } from '../../src/core/models/synth/onnx-file.js';
import { segmentationGraph } from '../../src/core/models/synth/speaker-models.js';
import {
  ENGLISH_VOICE,
  VOICE_HOP,
  VOICE_SAMPLE_RATE,
  voiceGraph,
  writeVoiceModel,
} from '../../src/core/models/synth/voice-model.js';
import { espeakDataCandidates } from '../../src/core/speech/voice-files.js';
import { Synthesiser, type SpokenSentence } from '../../src/core/speech/synthesiser.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { addModelFile, modelKindOf } from '../../src/core/models/import.js';

// Issue 14, item 6: offline neural voices. The real sherpa-onnx OfflineTts
// speaks with the project's generated Piper-shaped voice (seeded tones, one
// per phoneme) and the system's espeak-ng data phonemising the text.
const dir = tempDir('greffier-speech-');
const noEspeak = espeakDataCandidates(join(dir.path, 'x.onnx')).some((d) =>
  existsSync(join(d, 'phontab')),
)
  ? undefined
  : 'espeak-ng data not installed (apt-get install espeak-ng-data): sherpa cannot phonemise';
if (noEspeak) console.warn(`the neural-voice test is skipped: ${noEspeak}`);

const FRENCH =
  'Le conseil municipal a voté la rénovation de la cantine scolaire à l’unanimité des présents.';

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe.skipIf(noEspeak !== undefined)(
  'neural voice (sherpa-onnx OfflineTts, generated voice)',
  () => {
    let french: Synthesiser;
    // Loadable copies of published voices go under GREFFIER_HOME, here a scratch folder.
    const env = { ...process.env, GREFFIER_HOME: join(dir.path, 'home') };
    let published: { model: string; config?: string };

    beforeAll(async () => {
      // The layout Piper publishes its voices in: model.onnx + model.onnx.json, no sherpa metadata.
      published = writeVoiceModel(join(dir.path, 'fr'), 1);
      french = await Synthesiser.open(published.model, { env });
    }, 120_000);
    afterAll(async () => {
      await french?.close();
      dir.remove();
    });

    it('speaks a French sentence as audio of a plausible length, at the voice’s rate', async () => {
      const heard: SpokenSentence[] = [];
      const result = await french.speak(FRENCH, (s) => heard.push(s));
      expect(result).toEqual({ sentences: 1, stopped: false });
      expect(french.sampleRate).toBe(VOICE_SAMPLE_RATE);
      expect(french.info).toMatchObject({ language: 'French', espeakVoice: 'fr' });
      const seconds = heard[0]!.samples.length / heard[0]!.sampleRate;
      // 91 characters: a person reads them in 4–8 s; the generated voice gives about 90 ms a phoneme.
      expect(seconds).toBeGreaterThan(2.5);
      expect(seconds).toBeLessThan(12);
      // Whole tokens only: the model outputs VOICE_HOP samples per phoneme id.
      expect(heard[0]!.samples.length % VOICE_HOP).toBe(0);
      expect(rms(heard[0]!.samples)).toBeGreaterThan(0.01);
    });

    it('gives longer audio for a longer text and shorter audio when asked to speak faster', async () => {
      const lengths: number[] = [];
      await french.speak('Bonjour.', (s) => lengths.push(s.samples.length));
      await french.speak(FRENCH, (s) => lengths.push(s.samples.length));
      await french.speak(FRENCH, (s) => lengths.push(s.samples.length), { speed: 2 });
      const [short, normal, fast] = lengths as [number, number, number];
      expect(normal).toBeGreaterThan(short * 4);
      expect(fast).toBeLessThan(normal * 0.6);
      expect(fast).toBeGreaterThan(normal * 0.4);
    });

    it('delivers the text sentence by sentence, in order, as each is ready', async () => {
      const heard: SpokenSentence[] = [];
      const result = await french.speak(
        'La séance est ouverte. Le budget est adopté. La séance est levée.',
        (s) => heard.push(s),
      );
      expect(result).toEqual({ sentences: 3, stopped: false });
      expect(heard.map((s) => [s.index, s.text])).toEqual([
        [0, 'La séance est ouverte.'],
        [1, 'Le budget est adopté.'],
        [2, 'La séance est levée.'],
      ]);
    });

    it('stops at once when the official presses the key again (barge-in), and speaks again after', async () => {
      const long = Array.from(
        { length: 30 },
        (_, i) => `Point numéro ${i + 1} de l’ordre du jour.`,
      ).join(' ');
      const heard: number[] = [];
      const result = await french.speak(long, (s) => {
        heard.push(s.index);
        french.stop();
      });
      expect(result).toEqual({ sentences: 1, stopped: true });
      expect(heard).toEqual([0]);
      // The voice stays loaded: the next answer is heard in full.
      const next: string[] = [];
      const again = await french.speak('La séance reprend.', (s) => next.push(s.text));
      expect(again).toEqual({ sentences: 1, stopped: false });
      expect(next).toEqual(['La séance reprend.']);
    });

    it('stops queued texts too: nothing of them is heard', async () => {
      const heard: string[] = [];
      const first = french.speak('Premier texte. Encore du premier.', (s) => heard.push(s.text));
      const second = french.speak('Second texte.', (s) => heard.push(s.text));
      french.stop();
      expect(await first).toMatchObject({ stopped: true });
      expect(await second).toEqual({ sentences: 0, stopped: true });
      expect(heard).toEqual([]);
    });

    it('leaves the published voice file as it was (its checksum stays the catalogue’s)', () => {
      expect(onnxMetadata(readFileSync(published.model))).toEqual({});
      const bytes = Buffer.from(encodeOnnx({ ...voiceGraph(1), metadata: {} }));
      expect(readFileSync(published.model).equals(bytes)).toBe(true);
    });

    it('speaks with a voice exported for sherpa-onnx too (metadata inside, tokens.txt beside)', async () => {
      const voice = writeVoiceModel(join(dir.path, 'sherpa'), 4, undefined, 'sherpa');
      const sherpa = await Synthesiser.open(voice.model, { env });
      try {
        const heard: SpokenSentence[] = [];
        await sherpa.speak('La séance est ouverte.', (s) => heard.push(s));
        expect(heard).toHaveLength(1);
        expect(heard[0]!.samples.length).toBeGreaterThan(VOICE_SAMPLE_RATE / 2);
      } finally {
        await sherpa.close();
      }
    });

    it('speaks English with an English voice (espeak-ng en-us phonemes)', async () => {
      const voice = writeVoiceModel(join(dir.path, 'en'), 2, ENGLISH_VOICE);
      const english = await Synthesiser.open(voice.model, { env });
      try {
        const heard: SpokenSentence[] = [];
        await english.speak('The council approved the budget.', (s) => heard.push(s));
        expect(english.info.espeakVoice).toBe('en-us');
        expect(heard[0]!.samples.length / english.sampleRate).toBeGreaterThan(1);
      } finally {
        await english.close();
      }
    });

    it('installs a published voice like any model: its kind read from the file, its .onnx.json copied beside Greffier’s copy', async () => {
      const open = await createTestVault(join(dir.path, 'vault'));
      try {
        const voice = writeVoiceModel(join(dir.path, 'usb'), 6);
        expect(await modelKindOf(voice.model)).toEqual({ kind: 'speech' });
        const added = await addModelFile(open.vault, voice.model, undefined, {
          modelsDir: join(dir.path, 'home', 'models'),
          trustUnlisted: true,
        });
        expect(added.kind).toBe('speech');
        expect(added.path).not.toBe(voice.model);
        expect(existsSync(`${added.path}.json`)).toBe(true);
        const installed = await Synthesiser.open(added.path, { env });
        try {
          const heard: string[] = [];
          await installed.speak('Le procès-verbal est approuvé.', (s) => heard.push(s.text));
          expect(heard).toEqual(['Le procès-verbal est approuvé.']);
        } finally {
          await installed.close();
        }
      } finally {
        await open.vault.lock();
      }
    });

    it('says clearly when there is no voice file', async () => {
      const missing = join(dir.path, 'nowhere', 'voice.onnx');
      const error = await Synthesiser.open(missing, { env }).catch((e) => e);
      expect(error).toBeInstanceOf(GreffierError);
      expect((error as GreffierError).code).toBe('speech-voice-missing');
      expect((error as GreffierError).hint).toMatch(/models add/);
    });

    it('refuses an ONNX model that is not a Piper voice instead of letting sherpa end the process', async () => {
      const other = join(dir.path, 'not-a-voice');
      mkdirSync(other, { recursive: true });
      writeFileSync(join(other, 'model.onnx'), encodeOnnx(segmentationGraph(1)));
      writeFileSync(join(other, 'tokens.txt'), '_ 0\n');
      const error = await Synthesiser.open(join(other, 'model.onnx'), { env }).catch((e) => e);
      expect((error as GreffierError).code).toBe('speech-voice-invalid');
      expect((error as GreffierError).message).toMatch(/n_speakers.*model\.onnx\.json/);
      // This process is still alive and the loaded voice still speaks.
      const heard: string[] = [];
      await french.speak('Toujours là.', (s) => heard.push(s.text));
      expect(heard).toEqual(['Toujours là.']);
    });

    it('refuses a sherpa-style voice without its tokens.txt', async () => {
      const voice = writeVoiceModel(join(dir.path, 'lone'), 3, undefined, 'sherpa');
      rmSync(voice.tokens!);
      const error = await Synthesiser.open(voice.model, { env }).catch((e) => e);
      expect((error as GreffierError).code).toBe('speech-voice-invalid');
      expect((error as GreffierError).message).toMatch(/tokens\.txt/);
    });

    it('refuses a Piper configuration that is not one', async () => {
      const voice = writeVoiceModel(join(dir.path, 'bad-config'), 5);
      writeFileSync(voice.config!, JSON.stringify({ audio: {} }));
      const error = await Synthesiser.open(voice.model, { env }).catch((e) => e);
      expect((error as GreffierError).code).toBe('speech-voice-invalid');
      expect((error as GreffierError).message).toMatch(/not a Piper voice's/);
    });
  },
);
