import type { FinalDecodingChoice, Settings } from '../../shared/meetings.js';
import type { TranscribeOptions } from './whisper.js';

/** How the final-quality pass decodes: chosen from `npm run bench transcribe` (docs/architecture.md). */
export interface FinalDecoding {
  /** 1 = greedy; more = beam search. */
  beamSize: number;
  /** Temperature fallback when a window's confidence is low (entropy / log-probability thresholds). */
  fallback: boolean;
  flashAttention: boolean;
}

/**
 * The defaults, from the figures: greedy decoding with the temperature
 * fallback costs a fraction of beam search 5 per hour of audio on two
 * cores, and whisper's authors and whisper.cpp report a small accuracy
 * difference between them (see docs/architecture.md for the figures and
 * their sources). Flash attention is whisper.cpp's own default.
 */
export const DEFAULT_FINAL_DECODING: FinalDecoding = {
  beamSize: 1,
  fallback: true,
  flashAttention: true,
};

/**
 * Previews: the live transcript's lines and a question heard while the key
 * is held. They must come fast (the final pass replaces live lines), so
 * greedy and one pass; whisper-cli's own default, beam search 5, made each
 * preview decode with five beams, more effort than the final transcript.
 */
export const PREVIEW_DECODING = { beamSize: 1, noFallback: true } as const satisfies Pick<
  TranscribeOptions,
  'beamSize' | 'noFallback'
>;

/**
 * The decoding in force: the machine policy (IT) over the vault's settings
 * (the clerk) over the measured defaults, field by field.
 */
export function finalDecoding(
  settings?: Pick<Settings, 'finalDecoding'>,
  policy?: { finalDecoding?: FinalDecodingChoice },
): FinalDecoding {
  return { ...DEFAULT_FINAL_DECODING, ...settings?.finalDecoding, ...policy?.finalDecoding };
}

/** whisper-cli's options for a decoding. */
export function decodingOptions(
  decoding: FinalDecoding,
): Pick<TranscribeOptions, 'beamSize' | 'noFallback' | 'flashAttention'> {
  return {
    beamSize: decoding.beamSize,
    noFallback: !decoding.fallback,
    flashAttention: decoding.flashAttention,
  };
}

/** A short stable name, stored with each window so a changed decoding redoes it. */
export function decodingKey(decoding: FinalDecoding): string {
  return `bs${decoding.beamSize}${decoding.fallback ? '+fb' : ''}${decoding.flashAttention ? '+fa' : ''}`;
}
