import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav, toWhisperPcm } from '../../src/core/audio/index.js';
import { floatToInt16 } from '../../src/core/audio/pcm.js';
import { wavHeader } from '../../src/core/audio/wav-writer.js';
import { seatSpeakerId } from '../../src/core/speakers/channels.js';
import { speakerAtTime, type SpeakerTurn } from '../../src/core/speakers/turns.js';
import { fixturesDir } from './fixtures.js';

/**
 * A council chamber in a file: one espeak-ng voice per seat, each on its own
 * channel with its neighbours' voices bleeding in 20 dB lower, turns taken in
 * order at known times. The truth is kept beside the audio.
 */

const VOICES = ['fr+m3', 'fr+f2', 'fr+m7', 'fr+f4', 'fr+m1', 'fr+f1', 'fr+m5', 'fr+f3'];
const LINES = [
  'Je propose que nous passions au vote sur ce point.',
  "Je ne suis pas d'accord, le budget de la cantine doit augmenter.",
  'Pouvez-vous préciser le montant prévu pour les travaux ?',
  "La commission s'est réunie mardi dernier à ce sujet.",
  'Merci, je donne la parole au rapporteur.',
  'Nous avons reçu trois devis pour la toiture de l école.',
];

const RATE = 16000;

/** One voice saying one line, 16 kHz mono floats (cached WAV under .cache/fixtures). */
export function voiceLine(voice: number, line: number): Float32Array {
  const name = `seat-${VOICES[voice]!.replace('+', '-')}-${line}.wav`;
  const path = join(fixturesDir(), name);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp.wav`;
    const raw = `${tmp}.espeak.wav`;
    try {
      for (const [command, args] of [
        ['espeak-ng', ['-v', VOICES[voice]!, '-s', '165', '-w', raw, LINES[line % LINES.length]!]],
        ['sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', tmp]],
      ] as const) {
        const run = spawnSync(command, args, { encoding: 'utf8' });
        if (run.error || run.status !== 0) throw new Error(`${command} failed: ${run.stderr}`);
      }
      renameSync(tmp, path);
    } finally {
      rmSync(raw, { force: true });
      rmSync(tmp, { force: true });
    }
  }
  const decoded = decodeWav(readFileSync(path), path);
  return toWhisperPcm(decoded.channels, decoded.sampleRate);
}

export interface Chamber {
  channels: Float32Array[];
  sampleRate: number;
  /** Who took the floor when (speaker ids as seats give them: ch1, ch2…). */
  truth: SpeakerTurn[];
  durationMs: number;
}

/** A deterministic pseudo-random sequence (noise floor, gaps). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `seats` voices taking `turns` turns in order (seat 1, 2, …, 1, 2…), with
 * 0.2–0.8 s pauses, each voice at full level on its channel and at
 * `bleedDb` on every other one, over a -66 dBFS noise floor.
 */
export function chamber(seats: number, turns: number, bleedDb = -20): Chamber {
  const random = seeded(seats * 1000 + turns);
  const bleed = 10 ** (bleedDb / 20);
  const plan: { seat: number; at: number; line: Float32Array }[] = [];
  let at = Math.round(0.5 * RATE);
  for (let t = 0; t < turns; t++) {
    const seat = t % seats;
    const line = voiceLine(seat, t % LINES.length);
    plan.push({ seat, at, line });
    at += line.length + Math.round((0.2 + 0.6 * random()) * RATE);
  }
  const length = at + Math.round(0.5 * RATE);
  const channels = Array.from({ length: seats }, () => {
    const noise = new Float32Array(length);
    for (let i = 0; i < length; i++) noise[i] = (random() - 0.5) * 0.001;
    return noise;
  });
  for (const { seat, at: start, line } of plan) {
    for (let c = 0; c < seats; c++) {
      const gain = c === seat ? 0.5 : 0.5 * bleed;
      const out = channels[c]!;
      for (let i = 0; i < line.length; i++) out[start + i]! += gain * line[i]!;
    }
  }
  return {
    channels,
    sampleRate: RATE,
    truth: plan.map((p) => ({ atMs: (p.at / RATE) * 1000, speakerId: seatSpeakerId(p.seat + 1) })),
    durationMs: (length / RATE) * 1000,
  };
}

/** A multi-channel 16-bit WAV of a chamber (for imports through the CLI and the app). */
export function chamberWav(room: Chamber, path: string): string {
  const frames = room.channels[0]!.length;
  const count = room.channels.length;
  const interleaved = new Float32Array(frames * count);
  for (let c = 0; c < count; c++) {
    const channel = room.channels[c]!;
    for (let i = 0; i < frames; i++) interleaved[i * count + c] = channel[i]!;
  }
  const pcm = floatToInt16(interleaved);
  const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  writeFileSync(path, Buffer.concat([wavHeader(pcm.length, room.sampleRate, count), bytes]));
  return path;
}

/**
 * The share of the meeting (10 ms steps, from the first turn on) where the
 * chosen speaker is the true one, a step within `toleranceMs` of a true
 * change of speaker counting as right: the "turns within 250 ms" figure.
 */
export function agreement(
  truth: SpeakerTurn[],
  chosen: SpeakerTurn[],
  endMs: number,
  toleranceMs = 250,
): number {
  const changes = truth.map((t) => t.atMs);
  let right = 0;
  let total = 0;
  for (let at = truth[0]!.atMs; at < endMs; at += 10) {
    total++;
    if (speakerAtTime(truth, at) === speakerAtTime(chosen, at)) right++;
    else if (changes.some((c) => Math.abs(c - at) <= toleranceMs)) right++;
  }
  return right / total;
}
