// Our transcription path against raw whisper-cli asked for the same JSON, on
// the same audio, the same base-dimension generated model and 2 threads. Two
// of our paths are measured:
//  - the core API (transcribeFileDetailed, in this process): what the app and
//    the meeting pipeline call;
//  - the CLI (a spawned `node bin/greffier.js transcribe` process): Node's
//    start-up and the CLI's module loading come on top.
// Runs alternate so both sides see the same machine load; the ratio is taken
// per run, then the median. Each run's fixed cost (wall time minus whisper's
// own "total time") is reported too: on a shared, noisy machine it separates
// what our path adds from the load on whisper itself.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWhisperCli } from '../src/core/asr/engine.js';
import {
  audioContextFor,
  parseWhisperTimings,
  transcribeFileDetailed,
  transcribePcmDetailed,
  type WhisperTimings,
} from '../src/core/asr/whisper.js';
import { decodeWav, parseWavHeader } from '../src/core/audio/wav.js';
import { projectRoot } from '../src/core/paths.js';
import { speechToolsMissing, spokenWav } from '../tests/helpers/fixtures.js';
import { benchModels } from '../tests/helpers/models.js';
import { median, type Bench, type BenchRow } from './report.js';
import { finalPassRows } from './final-pass.js';

/**
 * GREFFIER_BENCH_PARTS=engine,final,decoding (default all): the engine comparison, the final
 * pass (recorded meeting and import), the decoding table.
 */
const PARTS = (process.env.GREFFIER_BENCH_PARTS ?? 'engine,final,decoding').split(',');

// A random base-size decoder runs every window to its token limit (tens of
// seconds per run on 2 busy cores), so few runs: GREFFIER_BENCH_RUNS raises it.
const RUNS = Number(process.env.GREFFIER_BENCH_RUNS ?? 2);
const THREADS = 2;

interface Timed {
  ms: number;
  timings: WhisperTimings;
}

function timedSpawn(command: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) {
        return reject(new Error(`${command} exited with ${code}: ${stderr.slice(-500)}`));
      }
      resolve({ ms, timings: parseWhisperTimings(stderr.split('\n')) });
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const decodeMs = (t: WhisperTimings) => (t.decodeMs ?? 0) + (t.batchdMs ?? 0) + (t.promptMs ?? 0);
/** Wall time outside whisper's own run: process start, checks, audio conversion, JSON. */
const fixedMs = (r: Timed) => r.ms - (r.timings.totalMs ?? NaN);

interface Comparison {
  ours: Timed[];
  raw: Timed[];
  rows: BenchRow[];
}

async function compare(
  label: string,
  ours: () => Promise<Timed>,
  raw: () => Promise<Timed>,
  runs: number,
): Promise<Comparison> {
  const oursRuns: Timed[] = [];
  const rawRuns: Timed[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`bench: ${label}: pair ${i + 1}/${runs}\n`);
    // Alternate which goes first so drift in machine load does not favour one side.
    if (i % 2 === 0) {
      oursRuns.push(await ours());
      rawRuns.push(await raw());
    } else {
      rawRuns.push(await raw());
      oursRuns.push(await ours());
    }
  }
  const ratios = oursRuns.map((o, i) => o.ms / rawRuns[i]!.ms);
  const adjusted = rawRuns.map((r, i) => (r.ms + fixedMs(oursRuns[i]!) - fixedMs(r)) / r.ms);
  return {
    ours: oursRuns,
    raw: rawRuns,
    rows: [
      {
        measure: label,
        ours: seconds(median(oursRuns.map((o) => o.ms))),
        raw: seconds(median(rawRuns.map((r) => r.ms))),
        ratio: median(ratios),
        target: '≤ 1.05',
        note: `wall time, per run: ${ratios.map((r) => r.toFixed(3)).join(', ')}`,
      },
      {
        measure: '… fixed cost outside whisper (start-up, checks, JSON)',
        ours: `${median(oursRuns.map(fixedMs)).toFixed(0)} ms`,
        raw: `${median(rawRuns.map(fixedMs)).toFixed(0)} ms`,
        ratio: median(adjusted),
        target: '≤ 1.05',
        note: `ratio = (raw wall + our extra fixed cost) / raw wall, per run: ${adjusted.map((r) => r.toFixed(3)).join(', ')}`,
      },
    ],
  };
}

const bench: Bench = async () => {
  const engine = PARTS.includes('engine') ? await engineSection() : undefined;
  const meeting = PARTS.includes('final');
  const decoding = PARTS.includes('decoding');
  const final =
    meeting || decoding ? await finalPassRows(await ensureWhisperCli(), { meeting, decoding }) : [];
  return {
    title: engine?.title ?? 'Transcription: the final-quality pass',
    rows: [...(engine?.rows ?? []), ...final],
  };
};

async function engineSection(): Promise<{ title: string; rows: BenchRow[] }> {
  const title =
    'Transcription: ours / raw whisper-cli, same audio, base-dimension generated model, 2 threads, no fallback';
  const missing = speechToolsMissing();
  if (missing) return { title, rows: [{ measure: 'skipped', ours: '', note: missing }] };
  const cliEntry = join(projectRoot(), 'bin', 'greffier.js');
  if (!existsSync(join(projectRoot(), 'dist', 'cli', 'main.js'))) {
    return { title, rows: [{ measure: 'skipped', ours: '', note: 'run "npm run build" first' }] };
  }
  const whisperCli = await ensureWhisperCli();
  const model = (await benchModels()).whisper;
  // ~23 s of French speech: one whisper window (30 s), so one encoder run per transcription.
  const speech = spokenWav({ lang: 'fr', repeat: 3 });
  const speechStereo = spokenWav({ lang: 'fr', repeat: 3, variant: '44k-stereo-16bit' });
  const durationS = parseWavHeader(readFileSync(speech)).durationMs / 1000;
  const outDir = mkdtempSync(join(tmpdir(), 'greffier-bench-'));

  // Raw: the same model, audio, language, threads and full JSON that our path asks for.
  // -nf on both sides: a random decoder otherwise retries every window at five temperatures.
  const raw = (input: string) => () =>
    timedSpawn(whisperCli, [
      '-m',
      model,
      '-f',
      input,
      '-l',
      'fr',
      '-t',
      String(THREADS),
      '-ojf',
      '-of',
      join(outDir, 'raw'),
      '-nf',
    ]);
  const api = (input: string) => async (): Promise<Timed> => {
    const start = performance.now();
    const run = await transcribeFileDetailed(input, {
      model,
      language: 'fr',
      threads: THREADS,
      noFallback: true,
      whisperCli,
    });
    return { ms: performance.now() - start, timings: run.timings };
  };
  const cli = (input: string) => () =>
    timedSpawn(process.execPath, [
      cliEntry,
      'transcribe',
      input,
      '--asr-model',
      model,
      '--lang',
      'fr',
      '--threads',
      String(THREADS),
      '--json',
      '--verbose',
      '--no-fallback',
    ]);

  try {
    const viaApi = await compare(
      `core API transcribeFile, ${durationS.toFixed(1)} s fr speech (16 kHz mono WAV)`,
      api(speech),
      raw(speech),
      RUNS,
    );
    const viaCli = await compare(
      `CLI process greffier transcribe, same file`,
      cli(speech),
      raw(speech),
      RUNS,
    );
    const converted = await compare(
      'core API on the same speech as 44.1 kHz stereo (converted in memory; raw gets the 16 kHz file)',
      api(speechStereo),
      raw(speech),
      1,
    );
    // Live transcription encodes short chunks: a 5 s chunk with the encoder context
    // cut to what it needs (audioContextFor) against the full 30 s context.
    process.stderr.write('bench: live 5 s chunk, reduced vs full encoder context\n');
    const chunk = decodeWav(readFileSync(speech)).channels[0]!.subarray(0, 5 * 16000);
    const live = { model, language: 'fr' as const, threads: THREADS, noFallback: true, whisperCli };
    const reduced = await transcribePcmDetailed(chunk, {
      ...live,
      audioContext: audioContextFor(5000),
    });
    const full = await transcribePcmDetailed(chunk, live);
    const all = [...viaApi.ours, ...viaCli.ours];
    const allRaw = [...viaApi.raw, ...viaCli.raw];
    const perWindow = (runs: Timed[]) =>
      median(runs.map((r) => (r.timings.encodeMs ?? NaN) / Math.max(1, r.timings.encodeRuns ?? 1)));
    const encOurs = perWindow(all);
    const encRaw = perWindow(allRaw);
    const decOurs = median(all.map((r) => decodeMs(r.timings)));
    const decRaw = median(allRaw.map((r) => decodeMs(r.timings)));
    return {
      title,
      rows: [
        ...viaApi.rows,
        ...viaCli.rows,
        converted.rows[0]!,
        {
          measure: 'encoder per 30 s window (whisper "encode time")',
          ours: `${encOurs.toFixed(0)} ms`,
          raw: `${encRaw.toFixed(0)} ms`,
          ratio: encOurs / encRaw,
          note: 'same binary both sides; carries over to a real base model',
        },
        {
          measure: `live 5 s chunk: encoder with -ac ${audioContextFor(5000)} / full 1500`,
          ours: `${(reduced.timings.encodeMs ?? NaN).toFixed(0)} ms`,
          raw: `${(full.timings.encodeMs ?? NaN).toFixed(0)} ms`,
          ratio: (reduced.timings.encodeMs ?? NaN) / (full.timings.encodeMs ?? NaN),
          note: 'both through our core API; "raw" column = full context',
        },
        {
          measure: 'decoder (decode + batchd + prompt)',
          ours: `${decOurs.toFixed(0)} ms`,
          raw: `${decRaw.toFixed(0)} ms`,
          ratio: decOurs / decRaw,
          note: 'random weights decode to the token limit; a real model emits far fewer tokens',
        },
      ],
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export default bench;
