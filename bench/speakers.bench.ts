// Speakers (issue 13), two figures measured in the same run:
//  - speakers from channels: the cost of measuring every channel's level and
//    choosing who has the floor, per hour of 8-channel 16 kHz audio, on one
//    core (JavaScript runs on one thread), against the target of 1 % of real
//    time (36 s an hour);
//  - speakers from voices: our diarization step (worker thread, voiceprints
//    per voice) against sherpa-onnx's OfflineSpeakerDiarization called
//    directly in this process, on the same audio and the same generated
//    models, 2 threads; and its real-time factor. Runs alternate; the ratio
//    is taken per run, then the median.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSpeakerModels } from '../src/core/models/synth/speaker-models.js';
import { chooseChannels, measureLevels } from '../src/core/speakers/channels.js';
import { speechToolsMissing } from '../tests/helpers/fixtures.js';
import { chamber } from '../tests/helpers/seats.js';
import { median, type Bench, type BenchRow } from './report.js';

const RUNS = Number(process.env.GREFFIER_BENCH_RUNS ?? 3);
const THREADS = 2;
/** Minutes of 2-voice audio the diarization runs on. */
const VOICE_MINUTES = Number(process.env.GREFFIER_BENCH_VOICE_MINUTES ?? 5);

function tile(samples: Float32Array, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let at = 0; at < length; at += samples.length) {
    out.set(samples.subarray(0, Math.min(samples.length, length - at)), at);
  }
  return out;
}

const bench: Bench = async () => {
  const rows: BenchRow[] = [];
  const missing = speechToolsMissing();
  if (missing) {
    return { title: 'Speakers', rows: [{ measure: 'skipped', ours: '', note: missing }] };
  }

  // Channels: 8 seats, 2 minutes, measured on 2 minutes and scaled to the hour.
  const room = chamber(8, 24);
  const seconds = 120;
  const channels = room.channels.map((c) => tile(c, seconds * room.sampleRate));
  const costs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    chooseChannels(measureLevels(channels, room.sampleRate));
    costs.push(performance.now() - started);
  }
  const perHourS = (median(costs) / 1000) * (3600 / seconds);
  rows.push({
    measure: 'channel attribution, 8 channels × 1 h (16 kHz), one core',
    ours: `${perHourS.toFixed(2)} s per hour (${((perHourS / 3600) * 100).toFixed(3)} % of real time)`,
    ratio: perHourS / 36,
    target: '≤ 1 % of real time (36 s an hour); ratio = figure / 36 s',
  });

  // Voices: a 2-voice mono mix, tiled to VOICE_MINUTES.
  const dir = mkdtempSync(join(tmpdir(), 'greffier-voices-bench-'));
  try {
    const models = { segmentation: join(dir, 'seg.onnx'), voiceprint: join(dir, 'voice.onnx') };
    writeSpeakerModels({ segmentation: models.segmentation, embedding: models.voiceprint }, 1);
    const two = chamber(2, 12);
    const mix = new Float32Array(two.channels[0]!.length);
    for (const c of two.channels) for (let i = 0; i < mix.length; i++) mix[i]! += c[i]! / 2;
    const audio = tile(mix, VOICE_MINUTES * 60 * two.sampleRate);
    const audioS = audio.length / two.sampleRate;
    const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as {
      OfflineSpeakerDiarization: new (c: unknown) => { process(s: Float32Array): unknown[] };
    };
    // The shipped path: the compiled worker from dist (`npm run bench` builds
    // first). From the sources the worker would first compile TypeScript,
    // which the app never does.
    const { diarizeInWorker } = (await import(
      new URL('../dist/core/speakers/voices-thread.js', import.meta.url).href
    )) as typeof import('../src/core/speakers/voices-thread.js');
    const ratios: number[] = [];
    const ours: number[] = [];
    const raw: number[] = [];
    const direct = async () => {
      const started = performance.now();
      const engine = new sherpa.OfflineSpeakerDiarization({
        segmentation: { pyannote: { model: models.segmentation }, numThreads: THREADS, debug: 0 },
        embedding: { model: models.voiceprint, numThreads: THREADS, debug: 0 },
        clustering: { numClusters: -1, threshold: 0.5 },
        minDurationOn: 0.3,
        minDurationOff: 0.5,
      });
      engine.process(audio);
      return performance.now() - started;
    };
    const ourStep = async () => {
      const started = performance.now();
      await diarizeInWorker(audio.slice(), models, { threads: THREADS });
      return performance.now() - started;
    };
    for (let run = 0; run < RUNS; run++) {
      // Alternate which goes first, so both see the same share of the machine's load.
      const [rawMs, oursMs] =
        run % 2 === 0
          ? [await direct(), await ourStep()]
          : await ourStep().then(async (o) => [await direct(), o]);
      raw.push(rawMs!);
      ours.push(oursMs!);
      ratios.push(oursMs! / rawMs!);
    }
    rows.push({
      measure: `diarization of ${VOICE_MINUTES} min, generated models, ${THREADS} threads (worker + voiceprints vs sherpa-onnx direct)`,
      ours: `${(median(ours) / 1000).toFixed(2)} s`,
      raw: `${(median(raw) / 1000).toFixed(2)} s`,
      ratio: median(ratios),
      target: '≤ 1.10',
      note: `per-run ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    });
    rows.push({
      measure: `diarization real-time factor on ${THREADS} cores (generated models)`,
      ours: `${(median(ours) / 1000 / audioS).toFixed(4)}`,
      note: 'time / audio duration; real pyannote + 3D-Speaker models cost more per second',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Speakers: channels and voices', rows };
};

export default bench;
