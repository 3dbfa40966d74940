import { encodeWav16 } from '../audio/wav.js';
import { GreffierError } from '../errors.js';
import { Synthesiser } from '../speech/synthesiser.js';
import { speaksLanguage, voiceFiles, type VoiceInfo } from '../speech/voice-files.js';
import type { Handlers } from './service.js';
import type { AppSession } from './session.js';

type Language = 'fr' | 'en';

/**
 * Answers read by the installed neural voice (issue 14): the page asks for
 * one sentence at a time and plays each WAV as it comes, so the first words
 * are heard while the next sentence is computed; speech.stop is barge-in.
 * One voice stays loaded (in its worker) until another language is asked
 * for or the vault locks. With no voice for the language the page keeps the
 * system's voices, which is why speech.voice exists.
 */
export function speechCalls(session: AppSession): Handlers {
  /** What each installed voice reads, read once per file (its metadata or .onnx.json). */
  const infos = new Map<string, VoiceInfo | undefined>();
  let loaded: { path: string; voice: Promise<Synthesiser> } | undefined;
  /** Bumped by speech.stop: a text asked for before a stop is not read, even if still loading. */
  let stops = 0;

  const infoOf = (path: string): VoiceInfo | undefined => {
    if (!infos.has(path)) {
      try {
        infos.set(path, voiceFiles(path, session.env).info);
      } catch {
        // A voice that cannot be read is no voice: the system's voices take over.
        infos.set(path, undefined);
      }
    }
    return infos.get(path);
  };

  /** The default voice if it reads the language, else another installed one that does. */
  async function voicePath(language: Language): Promise<string | undefined> {
    if (!session.hasModel('speech')) return undefined;
    const chosen = await session.models().resolve('speech');
    const installed = session.vault.vault.getSettings().models.speech ?? [];
    const candidates = [chosen, ...installed.map((m) => m.path)].filter(
      (p): p is string => p !== undefined,
    );
    for (const path of new Set(candidates)) {
      const info = infoOf(path);
      if (info && speaksLanguage(info, language)) {
        return path === chosen ? path : session.models().resolve('speech', path);
      }
    }
    return undefined;
  }

  async function unload(): Promise<void> {
    const current = loaded;
    loaded = undefined;
    const voice = await current?.voice.catch(() => undefined);
    await voice?.close();
  }
  session.onTeardown(unload);

  async function voiceFor(language: Language): Promise<Synthesiser> {
    const path = await voicePath(language);
    if (!path) {
      throw new GreffierError(
        'speech-voice-missing',
        `no installed voice reads ${language === 'fr' ? 'French' : 'English'}`,
        {
          hint: 'install a Piper voice ("greffier models add <voice.onnx> --kind speech"); the system voices read meanwhile',
        },
      );
    }
    if (loaded?.path !== path) {
      await unload();
      const voice = Synthesiser.open(path, { env: session.env });
      loaded = { path, voice };
      voice.catch(() => {
        if (loaded?.voice === voice) loaded = undefined;
      });
    }
    return loaded.voice;
  }

  return {
    'speech.voice': async ({ language }) => ({
      available: (await voicePath(language).catch(() => undefined)) !== undefined,
    }),

    'speech.say': async ({ text, language }) => {
      const ticket = stops;
      const voice = await voiceFor(language);
      const parts: Float32Array[] = [];
      const { stopped } =
        ticket === stops
          ? await voice.speak(text, (sentence) => parts.push(sentence.samples))
          : { stopped: true };
      const samples = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        samples.set(part, at);
        at += part.length;
      }
      return { wavBase64: encodeWav16(samples, voice.sampleRate).toString('base64'), stopped };
    },

    'speech.stop': async () => {
      stops++;
      const voice = await loaded?.voice.catch(() => undefined);
      voice?.stop();
      return { ok: true };
    },
  };
}
