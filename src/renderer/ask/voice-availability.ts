import { useEffect, useState } from 'react';
import type { NeuralVoiceSource } from './neural-voice.js';
import { voiceFor } from './speech.js';

/**
 * Whether an answer in a language can be read aloud: the installed neural
 * voice has it, or the system has a voice for it. Both are learnt after the
 * screen opens (the core is asked; the browser lists its voices late, with
 * « voiceschanged »), so the screen is drawn again when either answers.
 * Without a voice the « read aloud » controls are disabled and say why,
 * instead of doing nothing when pressed (French walk, finding 19).
 */
export function useVoiceAvailability(
  neural: NeuralVoiceSource | undefined,
): (language: 'fr' | 'en') => boolean {
  const [, setKnown] = useState(0);
  useEffect(() => {
    let live = true;
    const again = () => live && setKnown((n) => n + 1);
    void neural?.refresh().then(again, () => undefined);
    const synthesis = (globalThis as { speechSynthesis?: EventTarget }).speechSynthesis;
    synthesis?.addEventListener?.('voiceschanged', again);
    return () => {
      live = false;
      synthesis?.removeEventListener?.('voiceschanged', again);
    };
  }, [neural]);
  return (language) => (neural?.has(language) ?? false) || voiceFor(language) !== undefined;
}
