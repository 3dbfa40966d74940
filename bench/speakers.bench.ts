// Speakers (issue 13), figures measured in the same run:
//  - speakers from channels: the cost of measuring every channel's level and
//    choosing who has the floor, per hour of 8-channel 16 kHz audio, on one
//    core (JavaScript runs on one thread), against the target of 1 % of real
//    time (36 s an hour);
//  - speakers from voices: our diarization step as the app runs it (the
//    meeting's audio read from its encrypted journal, the worker the pipeline
//    started while the final pass ran, sherpa-onnx in it, voiceprints when a
//    voice is on file, clusters sealed, roster written) against sherpa-onnx's
//    OfflineSpeakerDiarization created and run directly in this process on
//    the same samples already in memory, same generated models, 2 threads.
//    Twice: with no voice on file (no voiceprints: the usual case) and with
//    one (a voiceprint per voice, to suggest it). Runs rotate the order; the
//    ratio is taken per run, then the median. The parts of our step are
//    printed (medians), and what starting a worker costs when not warmed.
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
/** Runs of the diarization comparison (each: direct, ours without and with a voice on file). */
const VOICE_RUNS = Number(process.env.GREFFIER_BENCH_VOICE_RUNS ?? 7);
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
    // The shipped path: the compiled modules and worker from dist (`npm run
    // bench` builds first). From the sources the worker would first compile
    // TypeScript, which the app never does.
    const dist = (path: string) => new URL(`../dist/core/${path}`, import.meta.url).href;
    const thread = (await import(
      dist('speakers/voices-thread.js')
    )) as typeof import('../src/core/speakers/voices-thread.js');
    const { diarizeMeeting } = (await import(
      dist('meetings/voices.js')
    )) as typeof import('../src/core/meetings/voices.js');
    const { createVault } = (await import(
      dist('meetings/index.js')
    )) as typeof import('../src/core/meetings/index.js');
    const { rememberVoice } = (await import(
      dist('speakers/voice-store.js')
    )) as typeof import('../src/core/speakers/voice-store.js');
    const { sha256File } = (await import(
      dist('models/verify.js')
    )) as typeof import('../src/core/models/verify.js');

    // One vault per case, each with the meeting's audio in its journal.
    const vault = async (name: string) => {
      const open = await createVault(join(dir, name), Buffer.from('bench passphrase'), {
        kdf: { N: 2 ** 10, r: 8, p: 1 },
        autoLockMinutes: 0,
      });
      const meeting = await open.meetings.create({ title: 'Bench', language: 'fr' });
      const pcm = new Int16Array(audio.length);
      for (let i = 0; i < pcm.length; i++) {
        pcm[i] = Math.max(-32768, Math.min(32767, Math.round(audio[i]! * 32767)));
      }
      for (let at = 0; at < pcm.length; at += 16_000) {
        await open.meetings.appendAudio(meeting.id, pcm.subarray(at, at + 16_000));
      }
      await open.meetings.finish(meeting.id);
      return { open, meetingId: meeting.id };
    };
    const modelSha = await sha256File(models.voiceprint);
    const none = await vault('none');
    const onFile = await vault('on-file');
    // A remembered voice of the same model: the step then makes voiceprints to compare.
    await rememberVoice(onFile.open.vault, {
      name: 'Mme Martin',
      vector: Array.from({ length: 192 }, (_, i) => Math.sin(i)),
      model: modelSha,
      consent: { by: 'Mme Martin', note: 'bench' },
    });
    // The samples sherpa-onnx gets directly: what the journal holds, as floats.
    const samples = Float32Array.from(
      audio,
      (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))) / 32768,
    );

    // CPU time of the whole process (every thread: ours, the worker's, onnxruntime's), beside the
    // wall clock: on a machine others load, it still says what each side spends.
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    const cpu: Record<string, number> = {};
    const direct = async () => {
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      const engine = new sherpa.OfflineSpeakerDiarization({
        segmentation: { pyannote: { model: models.segmentation }, numThreads: THREADS, debug: 0 },
        embedding: { model: models.voiceprint, numThreads: THREADS, debug: 0 },
        clustering: { numClusters: -1, threshold: 0.5 },
        minDurationOn: 0.3,
        minDurationOff: 0.5,
      });
      engine.process(samples);
      cpu.direct = cpuMs(cpuStart);
      return performance.now() - started;
    };
    type Cost = Extract<Awaited<ReturnType<typeof diarizeMeeting>>, { cost: unknown }>['cost'];
    const costs: Record<'none' | 'onFile', Cost[]> = { none: [], onFile: [] };
    const ourStep = async (which: 'none' | 'onFile') => {
      const { open, meetingId } = which === 'none' ? none : onFile;
      // As the pipeline does while the final pass runs: the worker starts and loads ahead.
      thread.warmDiarizer(models, THREADS);
      await thread.warmedReady();
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      const outcome = await diarizeMeeting(open.meetings, meetingId, models, {
        threads: THREADS,
        force: true,
        modelSha,
      });
      const ms = performance.now() - started;
      cpu[which] = cpuMs(cpuStart);
      if (!('cost' in outcome))
        throw new Error(`the bench meeting was skipped: ${outcome.skipped}`);
      if ((which === 'onFile') !== outcome.voiceprints > 0) {
        throw new Error(`voiceprints made: ${outcome.voiceprints} with ${which}`);
      }
      costs[which].push(outcome.cost);
      return ms;
    };
    const cold: number[] = [];
    const coldStart = async () => {
      // A worker started when the step asks (no warm-up): thread, add-on, models.
      const started = performance.now();
      thread.warmDiarizer(models, THREADS);
      await thread.warmedReady();
      cold.push(performance.now() - started);
      thread.coolDiarizer();
    };
    const raw: number[] = [];
    const ours: Record<'none' | 'onFile', number[]> = { none: [], onFile: [] };
    const ratios: Record<'none' | 'onFile', number[]> = { none: [], onFile: [] };
    const cpuRatios: Record<'none' | 'onFile', number[]> = { none: [], onFile: [] };
    for (let run = 0; run < VOICE_RUNS; run++) {
      // Rotate the order, so each side sees the same share of the machine's load.
      const order = [
        ['direct', 'none', 'onFile'],
        ['none', 'onFile', 'direct'],
        ['onFile', 'direct', 'none'],
      ][run % 3]!;
      const took: Record<string, number> = {};
      for (const which of order) {
        took[which] = which === 'direct' ? await direct() : await ourStep(which as 'none');
      }
      await coldStart();
      raw.push(took.direct!);
      for (const which of ['none', 'onFile'] as const) {
        ours[which].push(took[which]!);
        ratios[which].push(took[which]! / took.direct!);
        cpuRatios[which].push(cpu[which]! / cpu.direct!);
      }
    }
    await none.open.vault.lock();
    await onFile.open.vault.lock();
    const ms = (values: number[]) => `${Math.round(median(values))} ms`;
    const part = (which: 'none' | 'onFile', key: keyof Cost) =>
      median(costs[which].map((c) => Number(c[key])));
    const parts = (which: 'none' | 'onFile') => {
      const p = (key: keyof Cost) => `${Math.round(part(which, key))} ms`;
      return `journal read ${p('journalMs')}, waiting for the warm worker ${p('waitedMs')}, sherpa-onnx ${p('processMs')}, voiceprints ${p('voiceprintMs')}, suggestions + save + roster + turns ${p('saveMs')}`;
    };
    for (const which of ['none', 'onFile'] as const) {
      rows.push({
        measure: `diarization of ${VOICE_MINUTES} min, ${THREADS} threads, ${which === 'none' ? 'no voice on file (no voiceprints)' : 'a voice on file (voiceprints made)'}: our step / sherpa-onnx direct`,
        ours: `${(median(ours[which]) / 1000).toFixed(2)} s`,
        raw: `${(median(raw) / 1000).toFixed(2)} s`,
        ratio: median(ratios[which]),
        target: '≤ 1.10',
        note: `per-run ratios ${ratios[which].map((r) => r.toFixed(3)).join(', ')}; parts (medians): ${parts(which)}`,
      });
    }
    for (const which of ['none', 'onFile'] as const) {
      rows.push({
        measure: `same, CPU time of all threads, ${which === 'none' ? 'no voice on file' : 'a voice on file'}: our step / sherpa-onnx direct`,
        ours: '',
        ratio: median(cpuRatios[which]),
        target: '(load-independent view of the above)',
        note: `per-run ratios ${cpuRatios[which].map((r) => r.toFixed(3)).join(', ')}`,
      });
    }
    // The worker path alone, as the previous figure measured it: the step less its journal read and save.
    const enginePath = costs.none.map(
      (c, run) => (ours.none[run]! - c.journalMs - c.saveMs) / raw[run]!,
    );
    rows.push({
      measure: `same, worker path only (step − journal read − save) / sherpa-onnx direct, no voice on file`,
      ours: `${((median(ours.none) - part('none', 'journalMs') - part('none', 'saveMs')) / 1000).toFixed(2)} s`,
      raw: `${(median(raw) / 1000).toFixed(2)} s`,
      ratio: median(enginePath),
      target: '≤ 1.10',
      note: `per-run ratios ${enginePath.map((r) => r.toFixed(3)).join(', ')}; the journal read is ours alone (the direct side gets the floats in memory)`,
    });
    rows.push({
      measure: "diarization worker start, done while the final pass runs (off the step's clock)",
      ours: ms(cold),
      note: `thread + sherpa-onnx add-on ${Math.round(part('none', 'addonMs'))} ms + models ${Math.round(part('none', 'modelMs'))} ms inside the worker (medians); not warmed ahead, the step starts it before reading the journal and waits only for the rest; direct creation of the engine is inside the raw figure; resampling: none (the journal is 16 kHz mono already); load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
    });
    rows.push({
      measure: `diarization real-time factor on ${THREADS} cores (generated models)`,
      ours: `${(median(ours.none) / 1000 / audioS).toFixed(4)}`,
      note: 'step time / audio duration; real pyannote + 3D-Speaker models cost more per second',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Speakers: channels and voices', rows };
};

export default bench;
