import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GreffierError } from '../errors.js';

/**
 * ggml's per-CPU variants of whisper-cli (GGML_BACKEND_DL +
 * GGML_CPU_ALL_VARIANTS): one binary and one CPU backend library per x86
 * generation, of which ggml loads, at start, the best one this CPU runs.
 * An office PC without AVX2 therefore gets the SSE4.2 or AVX backend instead
 * of "illegal instruction". This module says which one a CPU gets, lists
 * those built, and can force a lower one (GREFFIER_CPU_VARIANT) to prove it
 * still transcribes.
 */

/** x86 variants as ggml 0.9 declares them, with the Linux /proc/cpuinfo flags each needs. */
export const X86_VARIANTS: { name: string; needs: string[] }[] = [
  { name: 'x64', needs: [] },
  { name: 'sse42', needs: ['sse4_2'] },
  { name: 'sandybridge', needs: ['sse4_2', 'avx'] },
  { name: 'ivybridge', needs: ['sse4_2', 'avx', 'f16c'] },
  { name: 'piledriver', needs: ['sse4_2', 'avx', 'f16c', 'fma'] },
  { name: 'haswell', needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2'] },
  { name: 'skylakex', needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx512f'] },
  {
    name: 'cannonlake',
    needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx512f', 'avx512vbmi'],
  },
  {
    name: 'cascadelake',
    needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx512f', 'avx512_vnni'],
  },
  {
    name: 'icelake',
    needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx512f', 'avx512vbmi', 'avx512_vnni'],
  },
  {
    name: 'cooperlake',
    needs: [
      'sse4_2',
      'avx',
      'f16c',
      'fma',
      'avx2',
      'bmi2',
      'avx512f',
      'avx512_vnni',
      'avx512_bf16',
    ],
  },
  {
    name: 'zen4',
    needs: [
      'sse4_2',
      'avx',
      'f16c',
      'fma',
      'avx2',
      'bmi2',
      'avx512f',
      'avx512vbmi',
      'avx512_vnni',
      'avx512_bf16',
    ],
  },
  { name: 'alderlake', needs: ['sse4_2', 'avx', 'f16c', 'fma', 'avx2', 'bmi2', 'avx_vnni'] },
  {
    name: 'sapphirerapids',
    needs: [
      'sse4_2',
      'avx',
      'f16c',
      'fma',
      'avx2',
      'bmi2',
      'avx512f',
      'avx512vbmi',
      'avx512_vnni',
      'avx512_bf16',
      'amx_tile',
      'amx_int8',
    ],
  },
];

const LIBRARY = /\.(so(\.\d+)*|dll|dylib)$/;
const CPU_LIBRARY = /^(?:lib)?ggml-cpu-([a-z0-9_.]+)\.(?:so|dll|dylib)$/;

/** This CPU's feature flags (Linux); undefined where /proc/cpuinfo does not exist. */
export function cpuFlags(): Set<string> | undefined {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = /^flags\s*:\s*(.*)$/m.exec(info)?.[1];
    return line ? new Set(line.trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU variants built beside a whisper-cli (names, e.g. "haswell"), in ggml's order. */
export function builtVariants(engineDir: string): string[] {
  if (!existsSync(engineDir)) return [];
  const names = readdirSync(engineDir)
    .map((file) => CPU_LIBRARY.exec(file)?.[1])
    .filter((n): n is string => !!n);
  const order = X86_VARIANTS.map((v) => v.name);
  return names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/**
 * The variant ggml loads on a CPU with these flags, among those built: the
 * one needing the most features the CPU has (ggml scores them the same way).
 */
export function expectedVariant(built: string[], flags: Set<string>): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const variant of X86_VARIANTS) {
    if (!built.includes(variant.name) || !variant.needs.every((f) => flags.has(f))) continue;
    if (!best || variant.needs.length > best.score)
      best = { name: variant.name, score: variant.needs.length };
  }
  return best?.name;
}

/** The variant whisper-cli says it loaded ("load_backend: loaded CPU backend from …/libggml-cpu-haswell.so"). */
export function loadedVariant(stderr: string): string | undefined {
  const path = /loaded CPU backend from (\S+)/.exec(stderr)?.[1];
  return path ? CPU_LIBRARY.exec(basename(path))?.[1] : undefined;
}

/** Copies every shared library of a variants build into the engine folder, beside whisper-cli. */
export function copyVariantLibraries(buildDir: string, engineDir: string): void {
  // One file per library, under the name the loader asks for: libwhisper.so.1 (the
  // soname link, copied as a file: installers keep no links), not libwhisper.so
  // nor libwhisper.so.1.9.1; backends (libggml-cpu-haswell.so) and DLLs as they are.
  const wanted = (name: string, link: boolean) =>
    LIBRARY.test(name) && (link ? /\.so\.\d+$/.test(name) : !/\.so\.\d+\.\d+/.test(name));
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'CMakeFiles' ? [] : walk(path);
      return wanted(entry.name, entry.isSymbolicLink()) ? [path] : [];
    });
  mkdirSync(engineDir, { recursive: true });
  for (const path of walk(buildDir)) copyFileSync(path, join(engineDir, basename(path)));
}

/**
 * A folder holding whisper-cli with only one CPU variant, for
 * GREFFIER_CPU_VARIANT: ggml looks for backends beside the real binary,
 * so the binary and its libraries are copied (once) into `scratch`.
 */
export function forcedVariantCli(cli: string, variant: string, scratch: string): string {
  const from = dirname(cli);
  const built = builtVariants(from);
  if (!built.includes(variant)) {
    throw new GreffierError(
      'engine-variant',
      `GREFFIER_CPU_VARIANT is "${variant}", which is not built beside ${cli}`,
      { hint: `use one of: ${built.join(', ') || '(this whisper-cli has no CPU variants)'}` },
    );
  }
  const dir = join(scratch, `whisper-${variant}`);
  const target = join(dir, basename(cli));
  if (existsSync(target) && statSync(target).size === statSync(cli).size) return target;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const file of readdirSync(from)) {
    const cpu = CPU_LIBRARY.exec(file)?.[1];
    if (cpu && cpu !== variant) continue;
    if (LIBRARY.test(file)) copyFileSync(join(from, file), join(dir, file));
  }
  // The whisper host built beside whisper-cli goes along (hostBesideCli looks for it there).
  const host = /^whisper-cli/.test(basename(cli))
    ? join(from, basename(cli).replace(/^whisper-cli/, 'greffier-whisper-host'))
    : undefined;
  if (host && existsSync(host)) {
    copyFileSync(host, `${join(dir, basename(host))}.partial`);
    renameSync(`${join(dir, basename(host))}.partial`, join(dir, basename(host)));
  }
  copyFileSync(cli, `${target}.partial`);
  renameSync(`${target}.partial`, target);
  return target;
}
