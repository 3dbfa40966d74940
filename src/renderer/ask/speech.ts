/**
 * Answers read aloud with the system's voices (Web Speech synthesis): the
 * evidence first, then the answer sentence by sentence as the model writes
 * it. Utterances queue in the engine; stop() empties the queue at once
 * (barge-in: the official presses the key again). When the system has no
 * voice for the language (or none at all), the caller is told, so the
 * screen can say so instead of staying silent. An installed neural voice
 * (a VoiceSource, see neural-voice.ts) reads instead when it has the
 * language; if it fails, the system's voices read the text.
 */

export type SpeechState = 'speaking' | 'idle' | 'no-voice';

export interface Speaker {
  /** Queues a text; false when there is no voice (the state says 'no-voice'). */
  say(text: string, language: 'fr' | 'en'): boolean;
  /** Stops what is being said and everything queued. */
  stop(): void;
  readonly state: SpeechState;
}

/** An offline neural voice the speaker prefers to the system's. */
export interface VoiceSource {
  /** Known at once: whether this source reads the language. */
  has(language: 'fr' | 'en'): boolean;
  /** Reads a text after the ones before; resolves when heard (or stopped), rejects if it failed. */
  speak(text: string, language: 'fr' | 'en'): Promise<void>;
  /** Silences it and drops what waits. */
  stop(): void;
}

/** The parts of the Web Speech API used here (typed locally so unit tests can load this file). */
interface VoiceLike {
  lang: string;
  localService: boolean;
}
interface UtteranceLike {
  voice: VoiceLike | null;
  lang: string;
  onend: (() => void) | null;
  onerror: (() => void) | null;
}
interface SynthesisLike {
  getVoices(): VoiceLike[];
  speak(utterance: UtteranceLike): void;
  cancel(): void;
}
interface SpeechGlobals {
  speechSynthesis?: SynthesisLike;
  SpeechSynthesisUtterance?: new (text: string) => UtteranceLike;
}

function synthesis(): SynthesisLike | undefined {
  return (globalThis as SpeechGlobals).speechSynthesis;
}

/** A voice of the system for this language; none is not the same as "any voice". */
export function voiceFor(language: 'fr' | 'en'): VoiceLike | undefined {
  const voices = synthesis()?.getVoices() ?? [];
  return (
    voices.find((v) => v.lang.toLowerCase().startsWith(language) && v.localService) ??
    voices.find((v) => v.lang.toLowerCase().startsWith(language))
  );
}

export function createSpeaker(
  onState: (state: SpeechState) => void,
  source?: VoiceSource,
): Speaker {
  let state: SpeechState = 'idle';
  let queued = 0;
  /** Bumped by stop(): callbacks of cancelled utterances are ignored. */
  let generation = 0;
  const set = (next: SpeechState) => {
    state = next;
    onState(next);
  };
  return {
    get state() {
      return state;
    },
    say(text, language) {
      if (source?.has(language)) {
        const mine = generation;
        queued++;
        if (state !== 'speaking') set('speaking');
        const done = () => {
          if (mine !== generation) return;
          queued = Math.max(0, queued - 1);
          if (queued === 0 && state === 'speaking') set('idle');
        };
        source.speak(text, language).then(done, () => {
          // The neural voice failed: the system's voice reads this text instead.
          done();
          if (mine === generation) systemSay(text, language);
        });
        return true;
      }
      return systemSay(text, language);
    },
    stop() {
      generation++;
      queued = 0;
      source?.stop();
      synthesis()?.cancel();
      if (state === 'speaking') set('idle');
    },
  };

  function systemSay(text: string, language: 'fr' | 'en'): boolean {
    const synth = synthesis();
    const Utterance = (globalThis as SpeechGlobals).SpeechSynthesisUtterance;
    const voice = voiceFor(language);
    if (!synth || !Utterance || !voice) {
      set('no-voice');
      return false;
    }
    const mine = generation;
    const utterance = new Utterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    const done = () => {
      if (mine !== generation) return;
      queued = Math.max(0, queued - 1);
      if (queued === 0) set('idle');
    };
    utterance.onend = done;
    utterance.onerror = done;
    queued++;
    if (state !== 'speaking') set('speaking');
    synth.speak(utterance);
    return true;
  }
}
