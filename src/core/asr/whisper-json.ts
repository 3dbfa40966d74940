import { GreffierError } from '../errors.js';
import type { Token, TranscriptSegment } from '../../shared/transcript.js';

/**
 * whisper-cli's JSON writer escapes only quotes and backslashes and prints
 * floats with iostream, so a random or unlucky decode can yield raw control
 * characters inside strings or a bare `nan`. This pass makes such output
 * valid JSON without touching well-formed parts.
 */
export function repairWhisperJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = ch.charCodeAt(0);
    if (inString) {
      if (ch === '\\') {
        out += ch + (text[i + 1] ?? '');
        i++;
      } else if (ch === '"') {
        inString = false;
        out += ch;
      } else if (code < 0x20) {
        out += `\\u${code.toString(16).padStart(4, '0')}`;
      } else {
        out += ch;
      }
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const bare = /^-?(nan|inf)(inity)?/i.exec(text.slice(i, i + 9));
    if (bare) {
      out += 'null';
      i += bare[0].length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

interface RawToken {
  text?: string;
  id?: number;
  p?: number | null;
  offsets?: { from?: number; to?: number };
}

interface RawSegment {
  text?: string;
  offsets?: { from?: number; to?: number };
  tokens?: RawToken[];
}

interface RawOutput {
  model?: { vocab?: number; multilingual?: boolean };
  result?: { language?: string };
  transcription?: RawSegment[];
}

export interface ParsedWhisperOutput {
  language: string;
  segments: TranscriptSegment[];
}

/**
 * Turns whisper-cli's `-ojf` file into our segments: times in ms, special
 * tokens ([_BEG_], timestamps, end-of-text) left out, confidence = mean
 * probability of the text tokens.
 */
export function parseWhisperJson(text: string): ParsedWhisperOutput {
  let raw: RawOutput;
  try {
    raw = JSON.parse(repairWhisperJson(text)) as RawOutput;
  } catch (error) {
    throw new GreffierError(
      'engine-output',
      'whisper-cli wrote a JSON result that cannot be read',
      {
        hint: 'run again with GREFFIER_DEBUG=1 and report the output',
        cause: error,
      },
    );
  }
  if (!Array.isArray(raw.transcription)) {
    throw new GreffierError('engine-output', 'whisper-cli wrote a result without a transcription', {
      hint: 'check that the engine matches the bundled whisper.cpp version ("greffier engine status")',
    });
  }
  // Ids from end-of-text upwards are special tokens (timestamps, language, task).
  const nVocab = raw.model?.vocab ?? 51865;
  const firstSpecial = nVocab >= 51865 ? 50257 : 50256;
  const isSpecial = (t: RawToken) =>
    (typeof t.id === 'number' && t.id >= firstSpecial) || /^\[_[A-Z_0-9]*\]$/.test(t.text ?? '');

  const segments: TranscriptSegment[] = [];
  for (const seg of raw.transcription) {
    const startMs = Math.max(0, seg.offsets?.from ?? 0);
    const endMs = Math.max(startMs, seg.offsets?.to ?? startMs);
    const segment: TranscriptSegment = { startMs, endMs, text: (seg.text ?? '').trim() };
    if (Array.isArray(seg.tokens)) {
      const tokens: Token[] = [];
      for (const t of seg.tokens) {
        if (isSpecial(t)) continue;
        const from = t.offsets?.from ?? startMs;
        const to = t.offsets?.to ?? endMs;
        const p =
          typeof t.p === 'number' && Number.isFinite(t.p) ? Math.min(1, Math.max(0, t.p)) : 0;
        tokens.push({
          text: t.text ?? '',
          startMs: Math.max(0, from),
          endMs: Math.max(0, from, to),
          p,
        });
      }
      segment.tokens = tokens;
      if (tokens.length > 0) {
        segment.confidence = tokens.reduce((sum, t) => sum + t.p, 0) / tokens.length;
      }
    }
    segments.push(segment);
  }
  return { language: raw.result?.language ?? 'unknown', segments };
}
