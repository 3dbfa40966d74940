import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtVariants,
  cpuFlags,
  expectedVariant,
  forcedVariantCli,
  loadedVariant,
  X86_VARIANTS,
} from '../../src/core/asr/engine-variants.js';
import { WHISPER_CLI_NAME } from '../../src/core/asr/engine.js';
import { projectRoot } from '../../src/core/paths.js';
import { runGreffier } from '../helpers/cli.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { tempDir } from '../helpers/vault.js';

/**
 * Issue 12, item 3: whisper-cli with ggml's per-CPU variants. The choice
 * rule runs everywhere; the build itself (14 variants: 30–60 min on two
 * cores) is made on the release machine, not in CI, so the part that runs it
 * needs GREFFIER_VARIANTS_ENGINE or build/engines/whisper and says so when
 * absent.
 */
const dir = tempDir('greffier-variants-');
afterAll(() => dir.remove());

const flagsOf = (name: string) => new Set(X86_VARIANTS.find((v) => v.name === name)!.needs);

describe('the CPU variant a PC gets', () => {
  const built = [
    'x64',
    'sse42',
    'sandybridge',
    'haswell',
    'skylakex',
    'icelake',
    'zen4',
    'alderlake',
  ];

  it('is the built variant needing the most of what the CPU has', () => {
    expect(expectedVariant(built, new Set(['sse4_2']))).toBe('sse42');
    // An office Pentium without AVX2 gets AVX (sandybridge), not an illegal instruction.
    expect(expectedVariant(built, flagsOf('ivybridge'))).toBe('sandybridge');
    expect(expectedVariant(built, flagsOf('haswell'))).toBe('haswell');
    expect(expectedVariant(built, flagsOf('zen4'))).toBe('zen4');
    expect(expectedVariant(built, flagsOf('alderlake'))).toBe('alderlake');
    expect(expectedVariant(['sse42', 'haswell'], flagsOf('zen4'))).toBe('haswell');
    expect(expectedVariant(built, new Set())).toBe('x64');
  });

  it('is read from the libraries beside the binary and from whisper-cli’s own line', () => {
    const engine = join(dir.path, 'engine');
    mkdirSync(engine);
    for (const f of [
      'libggml-cpu-haswell.so',
      'libggml-cpu-sse42.so',
      'libggml-base.so',
      'whisper-cli',
    ]) {
      writeFileSync(join(engine, f), '');
    }
    expect(builtVariants(engine)).toEqual(['sse42', 'haswell']);
    expect(
      loadedVariant('load_backend: loaded CPU backend from /opt/g/libggml-cpu-zen4.so\n'),
    ).toBe('zen4');
    let refused: unknown;
    try {
      forcedVariantCli(join(engine, 'whisper-cli'), 'zen4', dir.path);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      code: 'engine-variant',
      message: expect.stringContaining('GREFFIER_CPU_VARIANT is "zen4", which is not built'),
      hint: 'use one of: sse42, haswell',
    });
  });
});

const variantsDir =
  process.env.GREFFIER_VARIANTS_ENGINE ?? join(projectRoot(), 'build', 'engines', 'whisper');
const variantsCli = join(variantsDir, WHISPER_CLI_NAME);
const haveBuild = existsSync(variantsCli) && builtVariants(variantsDir).length > 1;
const why =
  speechToolsMissing() ??
  (haveBuild
    ? undefined
    : `no variants build in ${variantsDir} (greffier engine build --variants --dir ${variantsDir}; not built in CI)`);
if (why) console.warn(`engine-variants.test: the run on real variants is skipped — ${why}`);

describe.skipIf(Boolean(why))('a whisper-cli built with CPU variants', () => {
  let model: string;
  let wav: string;
  beforeAll(async () => {
    model = (await testModels()).whisper;
    wav = spokenWav({ lang: 'fr' });
  });
  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    GREFFIER_WHISPER_CLI: variantsCli,
    GREFFIER_TEMP: join(dir.path, 'temp'),
    GREFFIER_POLICY: join(dir.path, 'no-policy.json'),
    ...extra,
  });

  it('loads the variant engine status names for this CPU', async () => {
    const status = await runGreffier(env(), ['engine', 'status']);
    expect(status.code, status.stderr).toBe(0);
    const expected = expectedVariant(builtVariants(variantsDir), cpuFlags()!);
    expect(status.stdout).toContain(`CPU variant in use: ${expected}`);
    const run = spawnSync(variantsCli, ['-m', model, '-f', wav, '-t', '1'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(loadedVariant(run.stderr)).toBe(expected);
  });

  it('still transcribes with the lowest variant forced', async () => {
    const lowest = builtVariants(variantsDir)[0]!;
    const status = await runGreffier(env({ GREFFIER_CPU_VARIANT: lowest }), ['engine', 'status']);
    expect(status.stdout).toContain(
      `CPU variant in use: ${lowest} (forced by GREFFIER_CPU_VARIANT`,
    );
    const forced = forcedVariantCli(variantsCli, lowest, join(dir.path, 'temp'));
    const run = spawnSync(forced, ['-m', model, '-f', wav, '-t', '1'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(loadedVariant(run.stderr)).toBe(lowest);
    const cli = await runGreffier(env({ GREFFIER_CPU_VARIANT: lowest }), [
      'transcribe',
      wav,
      '--asr-model',
      model,
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { segments: unknown[] }).segments.length).toBeGreaterThan(0);
  });
});
