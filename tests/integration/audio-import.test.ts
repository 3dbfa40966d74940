// Issue 15: every recording a clerk has. The same 20 s of French speech is
// encoded by Debian's ffmpeg into each format, imported into a real vault
// (streamed into the encrypted journal), and transcribed by whisper.cpp with
// the generated model: the transcript must cover the same duration (1 %).
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAudio } from '../../src/core/meetings/import.js';
import { readAudit } from '../../src/core/audit/verify.js';
import { transcribeMeeting } from '../../src/core/meetings/transcription.js';
import { probeAudio } from '../../src/core/audio/probe.js';
import { whisperSamples, type AudioWarning } from '../../src/core/audio/stream.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { GreffierError } from '../../src/core/errors.js';
import { parseWavHeader } from '../../src/core/audio/wav.js';
import { runGreffier } from '../helpers/cli.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';
import { createTestVault, tempDir } from '../helpers/vault.js';
import { fixturesDir } from '../helpers/fixtures.js';
import {
  encodedSpeech,
  ffmpegMissing,
  garbledCopy,
  soxDurationMs,
  speechSource,
  truncatedCopy,
  type Encoding,
} from '../helpers/audio-formats.js';

const missing = ffmpegMissing();
if (missing) console.warn(`audio-import.test: skipped: ${missing}`);

const home = tempDir('greffier-audio-');
let open: OpenVault;
let model = '';
let cli = '';
let referenceMs = 0;

beforeAll(async () => {
  if (missing) return;
  referenceMs = soxDurationMs(speechSource());
  open = await createTestVault(join(home.path, 'vault'));
  model = (await testModels()).whisper;
  cli = await whisperCli();
});
afterAll(() => home.remove());

const DECODED: { encoding: Encoding; codec: string }[] = [
  { encoding: 'mp3', codec: 'mp3' },
  { encoding: 'flac', codec: 'flac' },
  { encoding: 'vorbis', codec: 'vorbis' },
  { encoding: 'ogg-opus', codec: 'opus' },
  { encoding: 'webm-opus', codec: 'opus' },
];

function expectWithin1Percent(actualMs: number, expectedMs: number): void {
  expect(Math.abs(actualMs - expectedMs) / expectedMs).toBeLessThan(0.01);
}

describe.skipIf(missing)('importing every recording format', () => {
  it.each(DECODED)(
    '$encoding: probed, imported into the journal and transcribed over the same duration',
    async ({ encoding, codec }) => {
      const file = encodedSpeech(encoding);
      const info = await probeAudio(file);
      expect(info.refusal).toBeUndefined();
      expect(info.codec).toBe(codec);
      expectWithin1Percent(info.durationMs!, referenceMs);

      const progress: number[] = [];
      const meeting = await importAudio(
        open.meetings,
        file,
        { title: `Conseil (${encoding})`, language: 'fr' },
        { onProgress: (p) => progress.push(p.bytesRead / p.bytesTotal) },
      );
      expect(meeting.status).not.toBe('recording');
      expectWithin1Percent(meeting.durationMs, referenceMs);
      expect(progress.at(-1)).toBe(1);

      // Whisper heard the whole file: the final pass's windows cover its duration.
      let heardMs = 0;
      await transcribeMeeting(open.meetings, meeting.id, {
        model,
        whisperCli: cli,
        language: 'fr',
        onWindow: (window) => (heardMs = window.toMs),
      });
      expectWithin1Percent(heardMs, referenceMs);
    },
  );

  it.each(['m4a-aac', 'mp4-video'] as const)(
    '%s: AAC is refused by name with what to do, and nothing is stored',
    async (encoding) => {
      const file = encodedSpeech(encoding);
      const before = open.meetings.list().length;
      const info = await probeAudio(file);
      expect(info.codec).toBe('aac');
      expectWithin1Percent(info.durationMs!, referenceMs);
      const error = await importAudio(open.meetings, file, { title: 'AAC' }).catch((e) => e);
      expect(error).toBeInstanceOf(GreffierError);
      expect(error.code).toBe('audio-aac');
      expect(error.message).toMatch(/AAC audio\. Greffier cannot decode AAC/);
      expect(error.hint).toMatch(/convert it to WAV, FLAC, MP3 or Opus/);
      expect(open.meetings.list().length).toBe(before);
    },
  );

  it('is audited as an import of that file, not as a recording', async () => {
    const file = encodedSpeech('mp3');
    const meeting = await importAudio(open.meetings, file, { title: 'Audit de l’import' });
    const entries = await readAudit(open.vault, { meetingId: meeting.id });
    expect(entries.map((e) => e.action)).toEqual(['audio.imported']);
    expect(entries[0]!.details).toMatchObject({ fileName: basename(file) });
    expect(Number(entries[0]!.details!.seconds)).toBeCloseTo(meeting.durationMs / 1000, 0);
  });

  it('recognises a file by its content, not its name', async () => {
    const disguised = join(fixturesDir(), 'speech20-mp3-named.wav');
    copyFileSync(encodedSpeech('mp3'), disguised);
    const info = await probeAudio(disguised);
    expect(info).toMatchObject({ container: 'mp3', codec: 'mp3' });
    rmSync(disguised);
  });

  it('imports a truncated MP3 up to the cut, with a warning naming the time', async () => {
    const cut = truncatedCopy(encodedSpeech('mp3'), 0.5, 'speech20-mp3-truncated.mp3');
    const warnings: AudioWarning[] = [];
    const meeting = await importAudio(
      open.meetings,
      cut,
      { title: 'Coupé' },
      {
        onWarning: (w) => warnings.push(w),
      },
    );
    expect(meeting.durationMs).toBeGreaterThan(referenceMs * 0.4);
    expect(meeting.durationMs).toBeLessThan(referenceMs * 0.6);
    const truncated = warnings.find((w) => w.kind === 'truncated');
    expect(truncated?.message).toMatch(
      /ends at 0:\d\d\.\d, but its header announces 0:19\.\d: the file is truncated or damaged there/,
    );
    expect(Math.abs(truncated!.atMs - meeting.durationMs)).toBeLessThan(100);
  });

  // 4 000 bytes of garbage over the middle of each file (about 0:09.7 into the speech). Every
  // format steps over the damage and goes on: MP3 by frame, Ogg by page (CRC), FLAC by frame
  // (CRC-8 and CRC-16), WebM to the next block of its audio track. The import succeeds with what was readable
  // and a warning at the damage's time.
  it.each(['mp3', 'ogg-opus', 'vorbis', 'flac', 'webm-opus'] as const)(
    '%s with garbage in the middle: imported with a warning at the time of the damage',
    async (encoding) => {
      const garbled = garbledCopy(
        encodedSpeech(encoding),
        4000,
        `speech20-${encoding}-garbled.bin`,
      );
      const warnings: AudioWarning[] = [];
      const meeting = await importAudio(
        open.meetings,
        garbled,
        { title: 'Abîmé' },
        { onWarning: (w) => warnings.push(w) },
      );
      expect(meeting.durationMs).toBeGreaterThan(referenceMs * 0.45);
      const first = warnings[0];
      expect(first, 'a warning is given').toBeDefined();
      expect(first!.atMs).toBeGreaterThan(7_000);
      expect(first!.atMs).toBeLessThan(11_500);
      expect(first!.message).toMatch(/0:(0[7-9]|1[01])\.\d/);
    },
  );

  // MP3 pieces decoded by two workers at once (16 KB reads: ~2 s pieces): damage keeps its time,
  // counted from each piece's start, and a cut file still says where it ends.
  it.each([
    ['garbage in the middle', 'damaged'],
    ['truncated', 'truncated'],
  ] as const)(
    'mp3 %s, decoded in parallel: the same warning as one decoder',
    async (what, kind) => {
      const damaged =
        what === 'truncated'
          ? truncatedCopy(encodedSpeech('mp3'), 0.5, 'speech20-mp3-truncated.mp3')
          : garbledCopy(encodedSpeech('mp3'), 4000, 'speech20-mp3-garbled.bin');
      const decode = async (decodeThreads: number) => {
        const warnings: AudioWarning[] = [];
        let samples = 0;
        const info = await probeAudio(damaged);
        const options = {
          decodeThreads,
          readSize: 16_384,
          onWarning: (w: AudioWarning) => warnings.push(w),
        };
        for await (const piece of whisperSamples(info, options)) samples += piece.length;
        return { warnings, samples };
      };
      const one = await decode(1);
      const two = await decode(2);
      expect(one.warnings[0]?.kind).toBe(kind);
      expect(two.warnings.map((w) => w.kind)).toEqual(one.warnings.map((w) => w.kind));
      expect(Math.abs(two.warnings[0]!.atMs - one.warnings[0]!.atMs)).toBeLessThan(100);
      expect(two.warnings[0]!.message).toBe(one.warnings[0]!.message);
      if (kind === 'damaged') expect(two.warnings[0]!.atMs).toBeGreaterThan(7_000);
      expect(Math.abs(two.samples - one.samples)).toBeLessThan(16_000 * 0.1);
    },
  );

  // Before: FLAC and WebM stopped at the damage (the meeting ended at 0:09.4 of 0:19.4). Then WebM
  // resumed at the next cluster (13.9 s kept); now at the next block of the audio track (18.6 s:
  // the 4000 bytes of garbage hold 1 s of 32 kb/s Opus).
  it.each([
    ['flac', 0.97],
    ['webm-opus', 0.94],
  ] as const)('%s resumes after mid-file damage', async (encoding, kept) => {
    const garbled = garbledCopy(encodedSpeech(encoding), 4000, `speech20-${encoding}-garbled.bin`);
    const warnings: AudioWarning[] = [];
    const meeting = await importAudio(
      open.meetings,
      garbled,
      { title: 'Reprise' },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(meeting.durationMs).toBeGreaterThan(referenceMs * kept);
    expect(warnings[0]!.kind).toBe('damaged');
    expect(warnings.map((w) => w.message).join('\n')).not.toMatch(/truncated/);
  });
});

describe.skipIf(missing)('greffier audio probe / convert', () => {
  it('probes as JSON and converts to a 16 kHz mono WAV of the same duration', async () => {
    const env = { ...process.env, GREFFIER_HOME: join(home.path, 'cli-home') };
    const probe = await runGreffier(env, ['audio', 'probe', encodedSpeech('ogg-opus'), '--json']);
    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.stdout)).toMatchObject({
      container: 'ogg',
      codec: 'opus',
      channels: 2,
      importable: true,
    });
    const out = join(home.path, 'converted.wav');
    const convert = await runGreffier(env, [
      'audio',
      'convert',
      encodedSpeech('flac'),
      '--out',
      out,
    ]);
    expect(convert.code).toBe(0);
    expect(convert.stderr).toMatch(/converting 100% .* done/);
    const header = parseWavHeader(readFileSync(out), out);
    expect(header.encoding).toMatchObject({
      sampleRate: 16000,
      channelCount: 1,
      bitsPerSample: 16,
    });
    expectWithin1Percent(header.durationMs, referenceMs);
  });

  it('says why an M4A cannot be imported, with exit code 1', async () => {
    const env = { ...process.env, GREFFIER_HOME: join(home.path, 'cli-home') };
    const probe = await runGreffier(env, ['audio', 'probe', encodedSpeech('m4a-aac')]);
    expect(probe.code).toBe(1);
    expect(probe.stdout).toMatch(/an MP4\/M4A file \(M4A\), AAC, 44100 Hz, 2 channels, 0:19\.\d/);
    expect(probe.stderr).toMatch(
      /Greffier cannot decode AAC.*convert it to WAV, FLAC, MP3 or Opus/,
    );
  });

  it('greffier import --progress takes an Ogg Opus file, showing its duration first and progress to 100 %', async () => {
    const env = { ...process.env, GREFFIER_HOME: join(home.path, 'import-home') };
    const pass = join(home.path, 'pass.txt');
    writeFileSync(pass, 'conseil secret passphrase\n');
    expect((await runGreffier(env, ['vault', 'init', '--passphrase-file', pass])).code).toBe(0);
    const file = encodedSpeech('ogg-opus');
    const r = await runGreffier(env, [
      'import',
      file,
      '--title',
      'Séance',
      '--progress',
      '--passphrase-file',
      pass,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/importing .*an Ogg opus file, OPUS, 48000 Hz, 2 channels, 0:19\.\d/);
    expect(r.stderr).toMatch(/importing 100% \(0:19\.\d of audio\), done/);
    const id = r.stdout.trim();
    const list = await runGreffier(env, ['list', '--json', '--passphrase-file', pass]);
    const meetings = JSON.parse(list.stdout) as { id: string; durationMs: number }[];
    expectWithin1Percent(meetings.find((m) => m.id === id)!.durationMs, referenceMs);
  });
});
