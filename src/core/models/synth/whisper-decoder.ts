import type { SeededRandom } from './random.js';

/**
 * A "scripted" whisper decoder for generated models.
 *
 * With purely random weights whisper's decoder is unsure of every token, so
 * whisper.cpp retries each 30 s window at five higher temperatures (with five
 * candidates each): decoding then costs far more than with a real model and
 * benchmark figures mean nothing. Here the decoder blocks are nearly silent
 * and the (tied) token embedding is laid out so that greedy decoding after
 * the task token always walks the same confident path, as a real model on
 * clear speech would:
 *
 *   <|0.00|> w1 w2 … wN <|30.00|> <|endoftext|>
 *
 * Each step wins by many nats, so no temperature fallback happens; the words
 * are distinct, so the repetition check passes; the window advances 30 s.
 * The encoder keeps its random weights: its cost is the real one.
 *
 * Geometry: with the blocks silent, the logit of token v after token t is
 * g·√S·|E_v|·cos(E_v, E_t). Chain tokens k sit on unit vectors u_k, each a
 * flat window of L orthonormal vectors (u_k·u_{k+m} = (L−m)/L), with norms
 * growing by ρ = (1+ε)·L/(L−1) per step so that the next token beats the
 * current one, while a small ε keeps tokens further ahead from winning.
 */

/** whisper.cpp's ids for a multilingual (51865-token) vocabulary. */
export const WHISPER_IDS = {
  eot: 50257,
  transcribe: 50359,
  firstTimestamp: 50364,
  lastTimestamp: 51864,
} as const;

const WINDOW = 9;
// Balances the two margins: next-beats-current (ε) and next-beats-the-one-after (1/(L−1)² − ε).
const EPSILON = 1 / (2 * (WINDOW - 1) ** 2);
/** g·√S: how many nats one unit of |E|·cos is worth. */
const LOGIT_SCALE = 60;
const FIRST_NORM = 20;

export interface ScriptedDecoder {
  /** Designed rows of the token embedding, by token id. */
  rows: Map<number, Float32Array>;
  /** Weight of the decoder's final layer norm (g). */
  lnGain: number;
  /** The token ids of the path greedy decoding follows after the task token. */
  path: number[];
}

/** Orthonormal vectors with zero mean (layer norm subtracts the mean), from seeded noise. */
function zeroMeanBasis(size: number, count: number, random: SeededRandom): Float64Array[] {
  const basis: Float64Array[] = [new Float64Array(size).fill(1 / Math.sqrt(size))];
  while (basis.length < count + 1) {
    const v = new Float64Array(size);
    for (let i = 0; i < size; i++) v[i] = random.nextNormal(1);
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < size; i++) dot += v[i]! * b[i]!;
      for (let i = 0; i < size; i++) v[i]! -= dot * b[i]!;
    }
    let norm = 0;
    for (let i = 0; i < size; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    if (norm < 1e-6) continue;
    for (let i = 0; i < size; i++) v[i]! /= norm;
    basis.push(v);
  }
  return basis.slice(1);
}

function combination(size: number, terms: [Float64Array, number][]): Float64Array {
  const v = new Float64Array(size);
  for (const [vector, weight] of terms) for (let i = 0; i < size; i++) v[i]! += weight * vector[i]!;
  return v;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Lays out the rows for `words` (token ids of distinct text tokens) in a
 * decoder of width `state`, and checks the path it produces.
 */
export function designScriptedDecoder(
  state: number,
  words: number[],
  random: SeededRandom,
): ScriptedDecoder {
  const n = words.length;
  // Chain element 0 is <|0.00|>, 1..n the words, n+1 is <|30.00|>.
  const chainLength = n + 2;
  const needed = chainLength + WINDOW - 1 + 2;
  if (needed > state - 1) {
    throw new Error(`a scripted decoder of ${n} words needs a state of at least ${needed + 1}`);
  }
  const basis = zeroMeanBasis(state, needed, random);
  const taskAxis = basis[needed - 2]!;
  const endAxis = basis[needed - 1]!;
  const growth = ((1 + EPSILON) * WINDOW) / (WINDOW - 1);
  const chain: Float64Array[] = [];
  for (let k = 0; k < chainLength; k++) {
    const terms: [Float64Array, number][] = [];
    for (let j = 0; j < WINDOW; j++) terms.push([basis[k + j]!, 1 / Math.sqrt(WINDOW)]);
    const norm = FIRST_NORM * growth ** k;
    chain.push(combination(state, terms).map((x) => x * norm));
  }
  const last = chain[chainLength - 1]!;
  const lastNorm = Math.sqrt(dot(last, last));
  const rows = new Map<number, Float64Array>();
  // The task token points at <|0.00|>, which also carries the chain's start.
  rows.set(WHISPER_IDS.transcribe, combination(state, [[taskAxis, FIRST_NORM]]));
  rows.set(
    WHISPER_IDS.firstTimestamp,
    combination(state, [
      [chain[0]!, 1],
      [taskAxis, FIRST_NORM / 4],
    ]),
  );
  words.forEach((id, k) => rows.set(id, chain[k + 1]!));
  // <|30.00|> leans out of the chain towards the end axis, where only EOT lives.
  rows.set(WHISPER_IDS.lastTimestamp, combination(state, [[last, 1], [endAxis, lastNorm]]));
  rows.set(WHISPER_IDS.eot, combination(state, [[endAxis, 3 * lastNorm]]));

  const path = [WHISPER_IDS.firstTimestamp, ...words, WHISPER_IDS.lastTimestamp, WHISPER_IDS.eot];
  checkPath(rows, path);
  return {
    rows: new Map([...rows].map(([id, row]) => [id, Float32Array.from(row)])),
    lnGain: LOGIT_SCALE / Math.sqrt(state),
    path,
  };
}

/**
 * Replays greedy decoding over the designed rows with whisper's timestamp
 * rules and requires every step to win by a wide margin: a wrong layout
 * fails here, at generation, not as a slow benchmark.
 */
function checkPath(rows: Map<number, Float64Array>, path: number[]): void {
  const isTimestamp = (id: number) => id >= WHISPER_IDS.firstTimestamp;
  let previous: number = WHISPER_IDS.transcribe;
  for (let step = 0; step < path.length; step++) {
    const input = rows.get(previous)!;
    const unit = input.map((x) => x / Math.sqrt(dot(input, input)));
    const scores: [number, number][] = [];
    for (const [id, row] of rows) {
      if (id === WHISPER_IDS.transcribe) continue;
      // Step 1 follows a lone timestamp: timestamps are masked. After the
      // closing timestamp, text is masked.
      if (step === 1 && isTimestamp(id)) continue;
      if (step === path.length - 1 && !isTimestamp(id) && id !== WHISPER_IDS.eot) continue;
      scores.push([id, LOGIT_SCALE * dot(row, unit)]);
    }
    scores.sort((a, b) => b[1] - a[1]);
    const [best, second] = scores;
    if (!best || best[0] !== path[step] || (second && best[1] - second[1] < 8)) {
      throw new Error(`the scripted whisper decoder does not follow its path at step ${step}`);
    }
    previous = best[0];
  }
}
