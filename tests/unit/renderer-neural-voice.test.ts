import { afterEach, describe, expect, it } from 'vitest';
import { apiVoiceSource } from '../../src/renderer/ask/neural-voice.js';
import {
  createSpeaker,
  type SpeechState,
  type VoiceSource,
} from '../../src/renderer/ask/speech.js';

// The Ask screen's speaker with an installed neural voice (issue 14, item 6).
// The core side runs the real engine in tests/integration/speech-app.test.ts;
// here the browser's parts (Web Speech, the audio element) are stand-ins.

const g = globalThis as Record<string, unknown>;

/** The system's speech engine: voices as given, utterances kept until ended. */
function installSystemVoices(voices: { lang: string; localService: boolean }[]) {
  const queue: string[] = [];
  g.SpeechSynthesisUtterance = class {
    voice: unknown;
    lang = '';
    onend?: () => void;
    onerror?: () => void;
    constructor(readonly text: string) {}
  };
  g.speechSynthesis = {
    getVoices: () => voices,
    speak: (u: { text: string }) => queue.push(u.text),
    cancel: () => (queue.length = 0),
  };
  return queue;
}

/** A neural voice whose texts finish when the test says. */
function fakeSource(languages: ('fr' | 'en')[]) {
  const spoken: { text: string; finish(): void; fail(): void }[] = [];
  let stops = 0;
  const source: VoiceSource = {
    has: (language) => languages.includes(language),
    speak: (text) =>
      new Promise<void>((resolve, reject) => {
        spoken.push({ text, finish: resolve, fail: () => reject(new Error('engine failed')) });
      }),
    stop: () => stops++,
  };
  return { source, spoken, stops: () => stops };
}

const tick = () => new Promise((done) => setTimeout(done, 0));

afterEach(() => {
  delete g.speechSynthesis;
  delete g.SpeechSynthesisUtterance;
  delete g.Audio;
});

describe('the speaker with a neural voice', () => {
  it('reads with the neural voice when it has the language, not with the system’s', async () => {
    const system = installSystemVoices([{ lang: 'fr-FR', localService: true }]);
    const neural = fakeSource(['fr']);
    const states: SpeechState[] = [];
    const speaker = createSpeaker((s) => states.push(s), neural.source);
    expect(speaker.say('Le budget est voté.', 'fr')).toBe(true);
    expect(neural.spoken.map((s) => s.text)).toEqual(['Le budget est voté.']);
    expect(system).toEqual([]);
    expect(speaker.state).toBe('speaking');
    neural.spoken[0]!.finish();
    await tick();
    expect(speaker.state).toBe('idle');
  });

  it('keeps the system voices for a language the neural voice lacks, and says when there is none', () => {
    const system = installSystemVoices([{ lang: 'en-GB', localService: true }]);
    const neural = fakeSource(['fr']);
    const states: SpeechState[] = [];
    const speaker = createSpeaker((s) => states.push(s), neural.source);
    expect(speaker.say('The budget passed.', 'en')).toBe(true);
    expect(system).toEqual(['The budget passed.']);
    expect(neural.spoken).toEqual([]);
    // No neural voice installed and no French system voice: the visible message stays.
    const bare = createSpeaker((s) => states.push(s), fakeSource([]).source);
    expect(bare.say('Le budget est voté.', 'fr')).toBe(false);
    expect(states.at(-1)).toBe('no-voice');
  });

  it('barge-in stops the neural voice too; a late end of the stopped text changes nothing', async () => {
    installSystemVoices([]);
    const neural = fakeSource(['fr']);
    const speaker = createSpeaker(() => undefined, neural.source);
    speaker.say('Une longue réponse.', 'fr');
    speaker.stop();
    expect(neural.stops()).toBe(1);
    expect(speaker.state).toBe('idle');
    speaker.say('Nouvelle question.', 'fr');
    neural.spoken[0]!.finish();
    await tick();
    expect(speaker.state).toBe('speaking');
  });

  it('lets the system voice read a text the neural voice failed on', async () => {
    const system = installSystemVoices([{ lang: 'fr-FR', localService: true }]);
    const neural = fakeSource(['fr']);
    const speaker = createSpeaker(() => undefined, neural.source);
    speaker.say('Le budget est voté.', 'fr');
    neural.spoken[0]!.fail();
    await tick();
    expect(system).toEqual(['Le budget est voté.']);
    expect(speaker.state).toBe('speaking');
  });
});

/** The app's API as the page sees it: speech.say answers when the test releases it. */
function fakeApi(voices: { fr: boolean; en: boolean }) {
  const calls: { name: string; input: unknown }[] = [];
  const says: { text: string; answer(stopped?: boolean): void; fail(): void }[] = [];
  const api = {
    call(name: string, input: unknown): Promise<unknown> {
      calls.push({ name, input });
      if (name === 'speech.voice') {
        return Promise.resolve({
          available: voices[(input as { language: 'fr' | 'en' }).language],
        });
      }
      if (name === 'speech.say') {
        return new Promise((resolve, reject) => {
          says.push({
            text: (input as { text: string }).text,
            answer: (stopped = false) => resolve({ wavBase64: 'UklGRg==', stopped }),
            fail: () => reject(new Error('speech-voice-missing')),
          });
        });
      }
      return Promise.resolve({ ok: true });
    },
  };
  return { api: api as Parameters<typeof apiVoiceSource>[0], calls, says };
}

/** The page's audio element: each play is kept until the test ends it. */
function installAudio() {
  const played: { url: string; end(): void; paused: boolean }[] = [];
  g.Audio = class {
    onended: (() => void) | null = null;
    onerror: (() => void) | null = null;
    paused = false;
    constructor(readonly url: string) {}
    play() {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const self = this;
      played.push({
        url: this.url,
        end: () => self.onended?.(),
        get paused() {
          return self.paused;
        },
      });
      return Promise.resolve();
    }
    pause() {
      this.paused = true;
    }
  };
  return played;
}

describe('the installed neural voice, through the app', () => {
  it('asks the core which languages have a voice', async () => {
    const { api } = fakeApi({ fr: true, en: false });
    const source = apiVoiceSource(api);
    await source.refresh();
    expect(source.has('fr')).toBe(true);
    expect(source.has('en')).toBe(false);
  });

  it('asks for every sentence at once and plays them in order, each after the last', async () => {
    const played = installAudio();
    const { api, says } = fakeApi({ fr: true, en: false });
    const source = apiVoiceSource(api);
    const first = source.speak('Première phrase.', 'fr');
    const second = source.speak('Deuxième phrase.', 'fr');
    // Both asked already: the second is computed while the first plays.
    expect(says.map((s) => s.text)).toEqual(['Première phrase.', 'Deuxième phrase.']);
    says[1]!.answer();
    await tick();
    expect(played).toHaveLength(0);
    says[0]!.answer();
    await tick();
    expect(played).toHaveLength(1);
    played[0]!.end();
    await first;
    await tick();
    expect(played).toHaveLength(2);
    played[1]!.end();
    await second;
  });

  it('stop() silences the sentence playing, drops the next and tells the core', async () => {
    const played = installAudio();
    const { api, calls, says } = fakeApi({ fr: true, en: false });
    const source = apiVoiceSource(api);
    const first = source.speak('Première phrase.', 'fr');
    const second = source.speak('Deuxième phrase.', 'fr');
    says[0]!.answer();
    await tick();
    expect(played).toHaveLength(1);
    source.stop();
    expect(played[0]!.paused).toBe(true);
    expect(calls.map((c) => c.name)).toContain('speech.stop');
    await first;
    says[1]!.answer(true);
    await second;
    expect(played).toHaveLength(1);
  });

  it('after a failure says it has no voice, so the system voices read the rest', async () => {
    const { api, says } = fakeApi({ fr: true, en: false });
    const source = apiVoiceSource(api);
    await source.refresh();
    const reading = source.speak('Bonjour.', 'fr');
    says[0]!.fail();
    await expect(reading).rejects.toThrow();
    expect(source.has('fr')).toBe(false);
  });
});
