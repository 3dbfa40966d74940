import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, openVault, type OpenVault } from '../../src/core/meetings/index.js';

/** Cheap scrypt for tests that open vaults many times; the CLI tests use the real cost. */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 };
export const TEST_PASSPHRASE = Buffer.from('correct horse battery staple');

export function tempDir(prefix = 'greffier-vault-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function createTestVault(
  dir: string,
  options: { autoLockMinutes?: number } = {},
): Promise<OpenVault> {
  return createVault(dir, Buffer.from(TEST_PASSPHRASE), {
    kdf: TEST_KDF,
    autoLockMinutes: 0,
    ...options,
  });
}

export function openTestVault(dir: string): Promise<OpenVault> {
  return openVault(dir, Buffer.from(TEST_PASSPHRASE), { autoLockMinutes: 0 });
}

/** Deterministic synthetic audio: chunk i of a meeting can be regenerated to compare. */
export function syntheticChunk(index: number, samples = 16_000): Int16Array {
  const chunk = new Int16Array(samples);
  const freq = 200 + (index % 50) * 10;
  for (let i = 0; i < samples; i++) {
    chunk[i] =
      Math.round(8000 * Math.sin((2 * Math.PI * freq * (index * samples + i)) / 16_000)) +
      (index % 7);
  }
  return chunk;
}

export function sameSamples(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/**
 * Every file under `dir` whose raw bytes contain one of the needles, in
 * UTF-8 or UTF-16LE, as `grep -r` would find them (and a bit more).
 */
export function plaintextHits(dir: string, needles: string[]): { file: string; needle: string }[] {
  const hits: { file: string; needle: string }[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const needle of needles) {
      for (const encoded of [
        Buffer.from(needle, 'utf8'),
        Buffer.from(needle, 'utf16le'),
        Buffer.from(needle.toLowerCase(), 'utf8'),
      ]) {
        if (bytes.includes(encoded)) {
          hits.push({ file, needle });
          break;
        }
      }
    }
  }
  return hits;
}
