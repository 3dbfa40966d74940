import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { synthModels, SYNTH_FILES } from '../../src/core/models/synth/index.js';
import { projectRoot } from '../../src/core/paths.js';

export interface GeneratedModels {
  /** whisper.cpp model file (tiny dims, or whisper base dims for benchmarks). */
  whisper: string;
  /** llama-architecture GGUF (64 wide, or 1.5 B-shaped Q4_0 for benchmarks). */
  llm: string;
}

/**
 * The tiny generated pair (whisper-synth.bin, llm-synth.gguf), written once
 * into .cache/test-models/ and shared by every test file.
 */
export function testModels(): Promise<GeneratedModels> {
  return cachedModels('test-models', false);
}

/**
 * The real-dimension pair (whisper base, 1.5 B-shaped LLM), written once into
 * .cache/bench-models/ (about 1.2 GB; the first call takes a minute or two).
 */
export function benchModels(): Promise<GeneratedModels> {
  return cachedModels('bench-models', true);
}

// A stale lock older than this is from a crashed writer.
const STALE_LOCK_MS = 20 * 60_000;

/**
 * The cache folder is named after a hash of the generator's sources, so a
 * change to the generator makes fresh files instead of reusing old ones.
 * A lock folder keeps parallel test files from writing the same models twice.
 */
async function cachedModels(kind: string, bench: boolean): Promise<GeneratedModels> {
  const parent = join(projectRoot(), '.cache', kind);
  const stamp = generatorStamp();
  const dir = join(parent, stamp);
  const models: GeneratedModels = {
    whisper: join(dir, bench ? SYNTH_FILES.whisperBench : SYNTH_FILES.whisper),
    llm: join(dir, bench ? SYNTH_FILES.llmBench : SYNTH_FILES.llm),
  };
  const ready = () => existsSync(models.whisper) && existsSync(models.llm);
  if (ready()) return models;
  mkdirSync(parent, { recursive: true });
  const lock = join(parent, `${stamp}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (ready()) return models;
      if (Date.now() - lockMtime(lock) > STALE_LOCK_MS)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  try {
    if (!ready()) {
      // Older generations are dead weight (the bench pair is over a gigabyte).
      for (const entry of readdirSync(parent)) {
        if (entry !== stamp && !entry.endsWith('.lock')) {
          rmSync(join(parent, entry), { recursive: true, force: true });
        }
      }
      synthModels({ outDir: dir, bench, seed: 1 });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return models;
}

function lockMtime(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

function generatorStamp(): string {
  const sources = join(projectRoot(), 'src', 'core', 'models', 'synth');
  const hash = createHash('sha256');
  for (const name of readdirSync(sources).sort()) {
    hash.update(name);
    hash.update(readFileSync(join(sources, name)));
  }
  return hash.digest('hex').slice(0, 12);
}
