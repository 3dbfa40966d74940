import { afterEach, describe, expect, it } from 'vitest';
import { createSpeaker, type SpeechState } from '../../src/renderer/ask/speech.js';

/** The system's speech engine (not ours): voices as given, utterances kept until ended. */
function installEngine(voices: { lang: string; localService: boolean }[]) {
  const queue: { text: string; onend?: () => void }[] = [];
  let cancels = 0;
  const g = globalThis as Record<string, unknown>;
  g.SpeechSynthesisUtterance = class {
    voice: unknown;
    lang = '';
    onend?: () => void;
    onerror?: () => void;
    constructor(readonly text: string) {}
  };
  g.speechSynthesis = {
    getVoices: () => voices,
    speak: (u: { text: string; onend?: () => void }) => queue.push(u),
    cancel: () => {
      cancels++;
      queue.length = 0;
    },
  };
  return { queue, cancels: () => cancels };
}

afterEach(() => {
  const g = globalThis as Record<string, unknown>;
  delete g.speechSynthesis;
  delete g.SpeechSynthesisUtterance;
});

describe('answers read aloud', () => {
  it('no voice for the language: says so instead of staying silent', () => {
    installEngine([{ lang: 'en-GB', localService: true }]);
    const states: SpeechState[] = [];
    const speaker = createSpeaker((s) => states.push(s));
    expect(speaker.say('Le budget est voté.', 'fr')).toBe(false);
    expect(states).toEqual(['no-voice']);
  });

  it('no speech engine at all: no-voice too', () => {
    const states: SpeechState[] = [];
    expect(createSpeaker((s) => states.push(s)).say('x', 'fr')).toBe(false);
    expect(states).toEqual(['no-voice']);
  });

  it('queues the evidence then the sentences; idle when the last one ends', () => {
    const engine = installEngine([{ lang: 'fr-FR', localService: true }]);
    const states: SpeechState[] = [];
    const speaker = createSpeaker((s) => states.push(s));
    speaker.say('Le 12 mars, Mme Martin a dit : « … »', 'fr');
    speaker.say('Le budget est voté.', 'fr');
    expect(engine.queue.map((u) => u.text)).toEqual([
      'Le 12 mars, Mme Martin a dit : « … »',
      'Le budget est voté.',
    ]);
    expect(speaker.state).toBe('speaking');
    const [first, second] = [...engine.queue];
    first!.onend?.();
    expect(speaker.state).toBe('speaking');
    second!.onend?.();
    expect(speaker.state).toBe('idle');
  });

  it('barge-in: stop() empties the engine at once and late callbacks change nothing', () => {
    const engine = installEngine([{ lang: 'fr-FR', localService: true }]);
    const states: SpeechState[] = [];
    const speaker = createSpeaker((s) => states.push(s));
    speaker.say('Une longue réponse.', 'fr');
    const utterance = engine.queue[0]!;
    speaker.stop();
    expect(engine.cancels()).toBe(1);
    expect(engine.queue).toEqual([]);
    expect(speaker.state).toBe('idle');
    // The cancelled utterance's end arrives after a new one started: it is ignored.
    speaker.say('Nouvelle question.', 'fr');
    utterance.onend?.();
    expect(speaker.state).toBe('speaking');
  });
});
