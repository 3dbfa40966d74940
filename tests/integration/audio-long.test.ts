// Issue 15: long sessions in bounded memory. A 48 kHz stereo WAV and an MP3 are
// generated streaming (sox, ffmpeg) at two lengths, converted by the real CLI
// in a child process, and the child's peak memory (maxRSS) is read: it must
// stay under 300 MB and not grow with the duration (the longer file is 4×
// the shorter). The full 4-hour files run in the bench (`npm run bench audio`):
// on 2 shared cores generating and converting them takes minutes, not CI time.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import { ffmpegMissing, runTool } from '../helpers/audio-formats.js';
import { tempDir } from '../helpers/vault.js';

const ENTRY = join(projectRoot(), 'tests', 'integration', 'audio-cli.entry.ts');
const LIMIT_KB = 300 * 1024;
/** What the longer file may cost over the shorter one: buffers, not the audio. */
const GROWTH_KB = 25 * 1024;
const SHORT_S = 5 * 60;
const LONG_S = 20 * 60;

const missing = ffmpegMissing();
if (missing) console.warn(`audio-long.test: skipped: ${missing}`);
const dir = tempDir('greffier-long-audio-');
afterAll(() => dir.remove());

/** Runs `greffier audio convert` in its own process; its last stderr line is its maxRSS. */
function convertInChild(
  input: string,
  output: string,
): Promise<{ code: number; maxRssKb: number; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, 'audio', 'convert', input, '--out', output, '--quiet'],
      { cwd: projectRoot(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const match = /maxRSS (\d+)\s*$/.exec(stderr);
      done({ code: code ?? -1, maxRssKb: match ? Number(match[1]) : NaN, stderr });
    });
  });
}

/** The converted file's length from its header (16 kHz mono 16-bit: 32 000 bytes a second). */
function wavDurationMs(path: string): number {
  const head = Buffer.alloc(44);
  const fd = openSync(path, 'r');
  readSync(fd, head, 0, 44, 0);
  closeSync(fd);
  expect(head.readUInt32LE(24)).toBe(16000);
  expect(head.readUInt16LE(22)).toBe(1);
  return (head.readUInt32LE(40) / 32000) * 1000;
}

const SOURCES = {
  'WAV 48 kHz stereo': (seconds: number, out: string) =>
    runTool('sox', [
      '-n',
      '-r',
      '48000',
      '-c',
      '2',
      '-b',
      '16',
      out,
      'synth',
      String(seconds),
      'sine',
      '300-3000',
      'vol',
      '0.3',
    ]),
  'MP3 44.1 kHz stereo 64 kb/s': (seconds: number, out: string) =>
    runTool('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
      '-ac',
      '2',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '64k',
      out,
    ]),
} as const;

describe.skipIf(missing)('long recordings convert in bounded memory', () => {
  it.each(Object.keys(SOURCES) as (keyof typeof SOURCES)[])(
    '%s: peak memory under 300 MB and independent of duration',
    async (kind) => {
      const ext = kind.startsWith('WAV') ? 'wav' : 'mp3';
      const peaks: number[] = [];
      for (const seconds of [SHORT_S, LONG_S]) {
        const input = join(dir.path, `long-${seconds}.${ext}`);
        const output = join(dir.path, `long-${seconds}-16k.wav`);
        SOURCES[kind](seconds, input);
        try {
          const run = await convertInChild(input, output);
          expect(run.code, run.stderr).toBe(0);
          expect(Math.abs(wavDurationMs(output) - seconds * 1000)).toBeLessThan(100);
          peaks.push(run.maxRssKb);
          console.log(
            `${kind}, ${seconds / 60} min: maxRSS ${(run.maxRssKb / 1024).toFixed(0)} MB`,
          );
        } finally {
          rmSync(input, { force: true });
          rmSync(output, { force: true });
        }
      }
      expect(peaks[0]).toBeLessThan(LIMIT_KB);
      expect(peaks[1]).toBeLessThan(LIMIT_KB);
      expect(peaks[1]! - peaks[0]!).toBeLessThan(GROWTH_KB);
    },
    600_000,
  );
});
