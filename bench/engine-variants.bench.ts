// whisper-cli's per-CPU variants against the native build, on the same audio,
// the same base-dimension generated model and 2 threads: each variant built
// (forced with GREFFIER_CPU_VARIANT) is timed alternately with the native
// binary (engines/whisper, GGML_NATIVE) and the ratio taken per run, then the
// median. The variants build is found at GREFFIER_VARIANTS_ENGINE or
// build/engines/whisper ("greffier engine build --variants --dir …").
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWhisperCli, WHISPER_CLI_NAME } from '../src/core/asr/engine.js';
import { builtVariants, forcedVariantCli, loadedVariant } from '../src/core/asr/engine-variants.js';
import { homePaths, projectRoot } from '../src/core/paths.js';
import { speechToolsMissing, spokenWav } from '../tests/helpers/fixtures.js';
import { benchModels } from '../tests/helpers/models.js';
import { median, type Bench, type BenchRow } from './report.js';

const RUNS = Number(process.env.GREFFIER_BENCH_RUNS ?? 2);

function timed(cli: string, args: string[]): Promise<{ ms: number; variant?: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cli} exited with ${code}: ${stderr.slice(-400)}`));
      const variant = loadedVariant(stderr);
      resolve({ ms: performance.now() - start, ...(variant ? { variant } : {}) });
    });
  });
}

const bench: Bench = async () => {
  const title = 'whisper-cli CPU variants (ratio to the native build, lower is faster)';
  const dir =
    process.env.GREFFIER_VARIANTS_ENGINE ?? join(projectRoot(), 'build', 'engines', 'whisper');
  const variantsCli = join(dir, WHISPER_CLI_NAME);
  const built = builtVariants(dir);
  if (!existsSync(variantsCli) || built.length === 0) {
    return {
      title,
      rows: [
        {
          measure: 'skipped',
          ours: '',
          note: `no variants build in ${dir}: greffier engine build --variants --dir ${dir}`,
        },
      ],
    };
  }
  const missing = speechToolsMissing();
  if (missing) return { title, rows: [{ measure: 'skipped', ours: '', note: missing }] };
  const native = await ensureWhisperCli();
  const models = await benchModels();
  const wav = spokenWav({ lang: 'fr', repeat: 2 });
  const args = ['-m', models.whisper, '-f', wav, '-t', '2', '-l', 'fr'];
  const rows: BenchRow[] = [];
  for (const variant of built) {
    const cli = forcedVariantCli(variantsCli, variant, homePaths().temp);
    const ratios: number[] = [];
    const ours: number[] = [];
    const raw: number[] = [];
    let loaded: string | undefined;
    for (let i = 0; i < RUNS; i++) {
      const n = await timed(native, args);
      const v = await timed(
        cli,
        args.filter((a) => a !== '-np'),
      );
      loaded = v.variant;
      ours.push(v.ms);
      raw.push(n.ms);
      ratios.push(v.ms / n.ms);
    }
    rows.push({
      measure: `variant ${variant}`,
      ours: `${(median(ours) / 1000).toFixed(2)} s`,
      raw: `${(median(raw) / 1000).toFixed(2)} s native`,
      ratio: median(ratios),
      note: `loaded: ${loaded ?? 'not reported'}; ${RUNS} runs`,
    });
  }
  return { title, rows };
};

export default bench;
