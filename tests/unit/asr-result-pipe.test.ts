import { spawn } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openResultPipe } from '../../src/core/asr/result-pipe.js';

// A stand-in for whisper-cli: a shell that writes (or does not write) `<-of>.json`.
function runShell(script: string, outBase: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', `${outBase}.json`], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

const posix = process.platform !== 'win32';
if (!posix) console.warn('asr-result-pipe.test: the FIFO cases run on Linux and macOS only');

describe.skipIf(!posix)('the result pipe whisper writes its JSON into', () => {
  it('is a FIFO (no file content on disk) and carries everything written, however large', async () => {
    const pipe = await openResultPipe();
    try {
      expect(lstatSync(`${pipe.outBase}.json`).isFIFO()).toBe(true);
      // 1 MB: far past the kernel's pipe buffer, so reading must run while the writer writes.
      const code = await runShell('head -c 1048576 /dev/zero | tr "\\0" x > "$1"', pipe.outBase);
      pipe.processExited();
      expect(code).toBe(0);
      const text = await pipe.text;
      expect(text).toHaveLength(1_048_576);
      expect(text.startsWith('xxx')).toBe(true);
    } finally {
      pipe.dispose();
    }
    expect(existsSync(`${pipe.outBase}.json`)).toBe(false);
  });

  it('ends empty, without hanging, when the engine exits before opening it', async () => {
    const pipe = await openResultPipe();
    try {
      expect(await runShell('exit 3', pipe.outBase)).toBe(3);
      pipe.processExited();
      expect(await pipe.text).toBe('');
    } finally {
      pipe.dispose();
      pipe.dispose();
    }
  });

  it('waits for the end of the result, not for the first writer to close', async () => {
    const pipe = await openResultPipe();
    try {
      // Two opens in turn, as an engine writing one output then another would do.
      await runShell('printf "{\\"a\\":" > "$1"; printf "1}" > "$1"', pipe.outBase);
      pipe.processExited();
      expect(await pipe.text).toBe('{"a":1}');
    } finally {
      pipe.dispose();
    }
  });
});
