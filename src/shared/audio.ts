/**
 * The one sample rate of Greffier's audio: the microphone captures at it, the
 * vault's journal stores it, whisper.cpp reads it. Kept in `shared` because the
 * renderer (which may not import `core`) opens its AudioContext at this rate.
 */
export const SAMPLE_RATE = 16_000;
