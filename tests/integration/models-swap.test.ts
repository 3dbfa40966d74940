import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { ModelHost } from '../../src/core/llm/host.js';
import { meetingPipeline } from '../../src/core/pipeline/pipeline.js';
import { vaultModelSource } from '../../src/core/models/source.js';
import type { OpenVault } from '../../src/core/meetings/index.js';
import { importWav } from '../../src/core/meetings/transcription.js';
import { addModelFile } from '../../src/core/models/import.js';
import { resolveModel } from '../../src/core/models/resolver.js';
import { EMBEDDING_TINY_SYNTH, writeLlmModel } from '../../src/core/models/synth/index.js';
import { homePaths } from '../../src/core/paths.js';
import type { ModelKind } from '../../src/shared/meetings.js';
import { silenceWav } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { createTestVault, openTestVault, TEST_PASSPHRASE } from '../helpers/vault.js';

// Issue 9 finding 8: a model file whose bytes are swapped in place, with its
// size kept and its mtime put back, must be refused by every load of every
// kind, through the resolver, the jobs and the CLI, naming the file.
const home = mkdtempSync(join(tmpdir(), 'greffier-swap-'));
const env = { GREFFIER_HOME: home };
const paths = homePaths(env);
const passFile = join(home, 'pass');
const installed = {} as Record<ModelKind, string>;
let open: OpenVault;
let meetingId: string;

/** A Silero-shaped file (ggml magic, then the short model name): what the kind check reads. */
function vadBytes(): Buffer {
  const bytes = Buffer.alloc(4096, 3);
  bytes.writeUInt32LE(0x67676d6c, 0);
  bytes.writeInt32LE(10, 4);
  bytes.write('silero-16k', 8, 'latin1');
  return bytes;
}

/** Rewrites one byte in place: same inode, same size, mtime restored with utimes. */
function swapBytes(path: string): () => void {
  const { atime, mtime, size } = statSync(path);
  const original = readFileSync(path);
  const swapped = Buffer.from(original);
  const at = Math.floor(size / 2);
  swapped[at] = (swapped[at] ?? 0) ^ 0xff;
  writeFileSync(path, swapped);
  utimesSync(path, atime, mtime);
  expect(statSync(path)).toMatchObject({ size, mtimeMs: mtime.getTime() });
  return () => {
    writeFileSync(path, original);
    utimesSync(path, atime, mtime);
  };
}

async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  stderr.on('data', (chunk) => (err += String(chunk)));
  const code = await runCli([...argv, '--passphrase-file', passFile], {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}

const refusal = (path: string) =>
  new RegExp(
    `the model ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed since it was verified .*it will not be loaded`,
  );

beforeAll(async () => {
  const models = await testModels();
  const drop = join(home, 'drop');
  mkdirSync(drop);
  writeLlmModel(join(drop, 'vecteurs.gguf'), EMBEDDING_TINY_SYNTH, 7);
  writeFileSync(join(drop, 'silero-like.bin'), vadBytes());
  writeFileSync(passFile, TEST_PASSPHRASE);
  open = await createTestVault(paths.vault);
  const files: Partial<Record<ModelKind, string>> = {
    asr: models.whisper,
    vad: join(drop, 'silero-like.bin'),
    llm: models.llm,
    embedding: join(drop, 'vecteurs.gguf'),
  };
  for (const kind of Object.keys(files) as ModelKind[]) {
    const added = await addModelFile(open.vault, files[kind]!, kind, {
      modelsDir: paths.models,
      trustUnlisted: true,
    });
    installed[kind] = added.path;
    // A whole-second mtime can be put back exactly (utimes has no nanoseconds):
    // the attacker's best case. The resolver records it on the next load.
    const second = Math.floor(Date.now() / 1000) - 3600;
    utimesSync(added.path, second, second);
    expect(await resolveModel(open.vault, kind)).toBe(added.path);
    expect(open.vault.getSettings().models[kind]![0]!.mtimeMs).toBe(second * 1000);
  }
  meetingId = (await importWav(open.meetings, silenceWav(2), { title: 'Swap' })).id;
});
afterAll(async () => {
  await open?.vault.lock().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

describe('a model file swapped in place (same size, mtime restored)', () => {
  it.each(['asr', 'vad', 'llm', 'embedding'] as const)(
    'is refused by the resolver (%s), and accepted again once restored',
    async (kind) => {
      const path = installed[kind];
      expect(path.startsWith(paths.models)).toBe(true);
      expect(await resolveModel(open.vault, kind)).toBe(path);
      const restore = swapBytes(path);
      await expect(resolveModel(open.vault, kind)).rejects.toThrow(refusal(path));
      // Named explicitly (a CLI flag), an installed copy is checked all the same.
      await expect(resolveModel(open.vault, kind, { explicit: path })).rejects.toThrow(
        refusal(path),
      );
      restore();
      const before = open.vault.getSettings().models[kind]![0]!;
      expect(await resolveModel(open.vault, kind)).toBe(path);
      // Same bytes, new ctime: the new fingerprint is recorded, the next load is cheap.
      const after = open.vault.getSettings().models[kind]![0]!;
      expect(after.ctimeMs).not.toBe(before.ctimeMs);
      expect(after.ctimeMs).toBe(statSync(path).ctimeMs);
    },
  );

  it.each(['asr', 'vad'] as const)(
    'fails the transcribe job (%s) with a message naming the file',
    async (kind) => {
      const restore = swapBytes(installed[kind]);
      try {
        const job = await open.jobs.enqueue('transcribe', meetingId);
        const done = await open.jobs.run(
          job.id,
          meetingPipeline({
            models: vaultModelSource(open, { env }),
            host: () => {
              throw new Error('the final pass needs no language model');
            },
            env,
          }),
        );
        expect(done.state).toBe('failed');
        expect(done.error).toMatch(refusal(installed[kind]));
      } finally {
        restore();
      }
    },
  );

  it('fails the summarize job (llm) with a message naming the file', async () => {
    const restore = swapBytes(installed.llm);
    const host = new ModelHost();
    try {
      const job = await open.jobs.enqueue('summarize', meetingId);
      const handlers = meetingPipeline({
        models: vaultModelSource(open, { env }),
        host: () => host,
        env,
      });
      const done = await open.jobs.run(job.id, handlers);
      expect(done.state).toBe('failed');
      expect(done.error).toMatch(refusal(installed.llm));
      expect(host.pid).toBeUndefined();
    } finally {
      restore();
      await host.close();
    }
  });

  describe('through the CLI', () => {
    beforeAll(() => open.vault.lock());

    /** A transcription left queued for "jobs --resume", as after a crash. */
    async function queueTranscription(): Promise<void> {
      const again = await openTestVault(paths.vault);
      try {
        await again.jobs.enqueue('transcribe', meetingId);
      } finally {
        await again.vault.lock();
      }
    }

    it('search refuses the swapped embedding model', async () => {
      const restore = swapBytes(installed.embedding);
      try {
        const result = await cli(['search', 'budget']);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(refusal(installed.embedding));
        const flagged = await cli(['search', 'budget', '--embedding-model', installed.embedding]);
        expect(flagged.stderr).toMatch(refusal(installed.embedding));
      } finally {
        restore();
      }
    });

    it('ask refuses the swapped language model', async () => {
      const restore = swapBytes(installed.llm);
      try {
        const result = await cli(['ask', 'Qui a parlé du budget ?']);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(refusal(installed.llm));
      } finally {
        restore();
      }
    });

    it.each(['vad', 'asr'] as const)(
      'jobs --resume fails the transcription with the swapped %s model',
      async (kind) => {
        await queueTranscription();
        const restore = swapBytes(installed[kind]);
        try {
          const result = await cli(['jobs', '--resume']);
          expect(result.code).toBe(1);
          expect(result.stdout).toMatch(refusal(installed[kind]));
        } finally {
          restore();
        }
      },
    );

    it('import refuses the swapped VAD model it would use by default', async () => {
      const restore = swapBytes(installed.vad);
      try {
        const result = await cli(['import', silenceWav(2), '--title', 'Again']);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(refusal(installed.vad));
      } finally {
        restore();
      }
    });
  });
});
