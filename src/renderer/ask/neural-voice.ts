import type { GreffierApi } from '../../shared/api.js';
import { base64ToBytes } from '../format.js';
import type { VoiceSource } from './speech.js';

/**
 * The installed offline neural voice (a Piper voice run by sherpa-onnx in
 * the app's core) as a voice source for the speaker. Each text is asked for
 * at once (speech.say), so the next sentence is computed while this one
 * plays; they are played in the order asked. stop() silences the one
 * playing, drops the ones waiting and tells the core to stop computing.
 * After a failure the source says it has no voice, and the system's voices
 * read the rest.
 */

/** The parts of HTMLAudioElement used here (typed locally so unit tests can load this file). */
interface AudioLike {
  onended: (() => void) | null;
  onerror: (() => void) | null;
  play(): Promise<void>;
  pause(): void;
}
type AudioConstructor = new (url: string) => AudioLike;

export interface NeuralVoiceSource extends VoiceSource {
  /** Asks the core again which languages have a voice (after unlocking or installing one). */
  refresh(): Promise<void>;
}

export function apiVoiceSource(api: Pick<GreffierApi, 'call'>): NeuralVoiceSource {
  const available = { fr: false, en: false };
  let failed = false;
  /** Bumped by stop(): texts asked before it are not played. */
  let generation = 0;
  let chain: Promise<void> = Promise.resolve();
  let playing: { audio: AudioLike; finish: () => void } | undefined;

  function play(wavBase64: string): Promise<void> {
    const Audio = (globalThis as { Audio?: AudioConstructor }).Audio;
    if (!Audio) return Promise.reject(new Error('no audio output'));
    const url = URL.createObjectURL(new Blob([base64ToBytes(wavBase64)], { type: 'audio/wav' }));
    const audio = new Audio(url);
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        if (playing?.audio === audio) playing = undefined;
        URL.revokeObjectURL(url);
        resolve();
      };
      playing = { audio, finish };
      audio.onended = finish;
      audio.onerror = () => {
        finish();
        reject(new Error('the voice could not be played'));
      };
      audio.play().catch((error: unknown) => {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  const refresh = async () => {
    for (const language of ['fr', 'en'] as const) {
      available[language] = (await api.call('speech.voice', { language })).available;
    }
    failed = false;
  };
  // Known before the first answer: say() must choose a voice at once.
  void refresh().catch(() => undefined);

  return {
    refresh,
    has: (language) => !failed && available[language],
    speak(text, language) {
      const mine = generation;
      const wav = api.call('speech.say', { text, language });
      const turn = chain.then(async () => {
        const { wavBase64, stopped } = await wav;
        if (stopped || mine !== generation) return;
        await play(wavBase64);
      });
      chain = turn.catch(() => undefined);
      return turn.catch((error: unknown) => {
        if (mine === generation) failed = true;
        throw error;
      });
    },
    stop() {
      generation++;
      const current = playing;
      current?.audio.pause();
      current?.finish();
      void api.call('speech.stop', {}).catch(() => undefined);
    },
  };
}
