import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { GreffierError } from '../errors.js';
import { homePaths, projectRoot, resourcesRoot } from '../paths.js';
import {
  builtVariants,
  copyVariantLibraries,
  cpuFlags,
  expectedVariant,
  forcedVariantCli,
} from './engine-variants.js';
import { withFolderLock } from './lock.js';

const EXE = process.platform === 'win32' ? '.exe' : '';
export const WHISPER_CLI_NAME = `whisper-cli${EXE}`;
/** Our own program that keeps one model loaded across windows (native/whisper-host), beside whisper-cli. */
export const WHISPER_HOST_NAME = `greffier-whisper-host${EXE}`;

/** The project-owned engine folder (gitignored), never inside node_modules. */
export function engineDir(): string {
  return join(projectRoot(), 'engines', 'whisper');
}

/** whisper.cpp's source as bundled (and pinned) by the nodejs-whisper package. */
export function whisperSourceDir(): string {
  return join(projectRoot(), 'node_modules', 'nodejs-whisper', 'cpp', 'whisper.cpp');
}

/** The whisper host's source (ours): its CMakeLists adds whisper.cpp's tree, so one configure builds both. */
export function hostSourceDir(): string {
  return join(projectRoot(), 'native', 'whisper-host');
}

/** A hash of the host's source files: a change to them rebuilds the engine. */
export function hostSourceHash(dir = hostSourceDir()): string | undefined {
  if (!existsSync(dir)) return undefined;
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(dir, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export interface EngineSource {
  nodejsWhisper: string;
  whisperCpp: string;
}

export function whisperSourceVersion(): EngineSource {
  const source = whisperSourceDir();
  let nodejsWhisper: string;
  let cmakeLists: string;
  try {
    nodejsWhisper = (
      JSON.parse(readFileSync(join(source, '..', '..', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    cmakeLists = readFileSync(join(source, 'CMakeLists.txt'), 'utf8');
  } catch (error) {
    throw new GreffierError(
      'engine-source-missing',
      `whisper.cpp's source was not found in ${source}`,
      {
        hint: 'run "npm ci" in the project folder (the nodejs-whisper package bundles it)',
        cause: error,
      },
    );
  }
  const whisperCpp =
    /project\("whisper\.cpp" VERSION ([\d.]+)\)/.exec(cmakeLists)?.[1] ?? 'unknown';
  return { nodejsWhisper, whisperCpp };
}

/** What a built binary was made from; a different stamp means rebuild. */
export interface EngineStamp extends EngineSource {
  portable: boolean;
  /** Built with ggml's per-CPU variants loaded at run time (libggml-cpu-*.so beside the binary). */
  variants?: boolean;
  platform: string;
  arch: string;
  /** The hash of the whisper host's source it was built from (hostSourceHash). */
  host?: string;
  builtAt?: string;
}

function stampPath(dir = engineDir()): string {
  return join(dir, 'whisper-cli.json');
}

export function readEngineStamp(dir = engineDir()): EngineStamp | undefined {
  try {
    return JSON.parse(readFileSync(stampPath(dir), 'utf8')) as EngineStamp;
  } catch {
    return undefined;
  }
}

/** `portable` undefined: either kind will do (a portable binary runs everywhere). */
function sameBuild(a: EngineStamp | undefined, b: EngineStamp, portable?: boolean): boolean {
  return (
    !!a &&
    a.nodejsWhisper === b.nodejsWhisper &&
    a.whisperCpp === b.whisperCpp &&
    (portable === undefined || a.portable === portable) &&
    !!a.variants === !!b.variants &&
    a.host === b.host &&
    a.platform === b.platform &&
    a.arch === b.arch
  );
}

const INSTALL_HINT =
  'install the build tools (Debian/Ubuntu: "apt-get install cmake g++ make"; Windows: Visual Studio Build Tools and CMake) and run "npm run build:whisper" again';

function requireTool(command: string, args: string[], what: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(command, args, { stdio: 'ignore', env });
  if (result.error || result.status !== 0) {
    throw new GreffierError('engine-toolchain', `${what} was not found ("${command}" cannot run)`, {
      hint: INSTALL_HINT,
    });
  }
}

function findCompiler(env: NodeJS.ProcessEnv): void {
  if (process.platform === 'win32') return; // CMake finds MSVC itself and says so if absent.
  const candidates = [env.CXX, 'c++', 'g++', 'clang++'].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    const result = spawnSync(candidate, ['--version'], { stdio: 'ignore', env });
    if (!result.error && result.status === 0) return;
  }
  throw new GreffierError(
    'engine-toolchain',
    'No C++ compiler was found (tried c++, g++, clang++)',
    {
      hint: INSTALL_HINT,
    },
  );
}

function run(
  command: string,
  args: string[],
  options: { onLog?: (line: string) => void; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
      env: options.env,
    });
    const tail: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        options.onLog?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).name === 'AbortError') {
        reject(new GreffierError('cancelled', 'The engine build was cancelled'));
      } else reject(error);
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const reason = [...tail].reverse().find((l) => /error/i.test(l)) ?? tail.at(-1) ?? '';
      reject(
        new GreffierError(
          'engine-build-failed',
          `Building whisper-cli failed (${command} exited with ${code}): ${reason.trim()}`,
          {
            hint: 'run "greffier engine build" to see the full log; check the build tools are installed',
          },
        ),
      );
    });
  });
}

export interface BuildOptions {
  /**
   * true: installer build without this machine's instructions (GGML_NATIVE=OFF),
   * so it does not die with "illegal instruction" on another PC. Note that
   * ggml then still targets an x86-64 AVX2/FMA/F16C baseline (Haswell, 2013,
   * and later); CPUs without AVX2 (some Celeron/Pentium/Atom) need
   * `variants` below.
   * false: a native build for this machine. Undefined: reuse whichever is
   * built (tests), building native if there is none.
   */
  portable?: boolean;
  /**
   * ggml's per-CPU variants (GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS): one
   * binary, a CPU backend per x86 generation (SSE4.2 … AVX-512) loaded at
   * run time, so a PC without AVX2 still transcribes. Implies portable.
   */
  variants?: boolean;
  /** The folder to build into (default: the project's engines/whisper); the installer's engines. */
  dir?: string;
  /** Rebuild even if a matching binary exists. */
  force?: boolean;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds whisper-cli from the bundled source once, into engines/whisper/,
 * and returns its path. Idempotent: a binary built from the same source with
 * the same options is reused without running cmake.
 */
export async function ensureWhisperCli(options: BuildOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const dir = options.dir ?? engineDir();
  const variants = !!options.variants;
  const want: EngineStamp = {
    ...whisperSourceVersion(),
    portable: !!options.portable || variants,
    ...(variants ? { variants } : {}),
    platform: process.platform,
    arch: process.arch,
    host: hostSourceHash(),
  };
  const binary = join(dir, WHISPER_CLI_NAME);
  const host = join(dir, WHISPER_HOST_NAME);
  const upToDate = () =>
    !options.force &&
    existsSync(binary) &&
    existsSync(host) &&
    sameBuild(readEngineStamp(dir), want, variants ? true : options.portable);
  if (upToDate()) return binary;

  mkdirSync(dir, { recursive: true });
  return withFolderLock(
    join(dir, '.build-lock'),
    async () => {
      // Another process may have finished the same build while we waited.
      if (upToDate()) return binary;
      requireTool('cmake', ['--version'], 'CMake', env);
      findCompiler(env);
      const kind = variants ? 'variants' : want.portable ? 'portable' : 'native';
      // Not build/<kind>: that cache was configured from whisper.cpp's own tree, not ours.
      const buildDir = join(dir, 'build', `${kind}-host`);
      const log = options.onLog;
      log?.(
        `greffier: building whisper-cli and the whisper host ${want.whisperCpp} (${kind}) in ${buildDir}`,
      );
      if (!want.host) {
        throw new GreffierError(
          'engine-source-missing',
          `the whisper host's source was not found in ${hostSourceDir()}`,
          { hint: 'check out the project again: native/whisper-host is part of it' },
        );
      }
      await run(
        'cmake',
        [
          '-S',
          hostSourceDir(),
          '-B',
          buildDir,
          `-DWHISPER_SOURCE_DIR=${whisperSourceDir()}`,
          '-DCMAKE_BUILD_TYPE=Release',
          // Variants are backends loaded at run time: shared libraries by ggml's design.
          `-DBUILD_SHARED_LIBS=${variants ? 'ON' : 'OFF'}`,
          ...(variants ? ['-DGGML_BACKEND_DL=ON', '-DGGML_CPU_ALL_VARIANTS=ON'] : []),
          '-DWHISPER_BUILD_TESTS=OFF',
          '-DWHISPER_BUILD_EXAMPLES=ON',
          '-DWHISPER_BUILD_SERVER=OFF',
          '-DWHISPER_SDL2=OFF',
          '-DWHISPER_CURL=OFF',
          `-DGGML_NATIVE=${want.portable ? 'OFF' : 'ON'}`,
          // An installer cannot count on libgomp or a recent libstdc++ on the office PC:
          // ggml's own thread pool replaces OpenMP and the C++ runtime is linked in.
          ...(want.portable ? ['-DGGML_OPENMP=OFF'] : []),
          ...(want.portable && process.platform === 'linux'
            ? ['-DCMAKE_EXE_LINKER_FLAGS=-static-libstdc++ -static-libgcc']
            : []),
          // The libraries travel beside the binary: it looks for them in its own folder.
          ...(variants && process.platform === 'linux'
            ? [
                '-DCMAKE_SHARED_LINKER_FLAGS=-static-libstdc++ -static-libgcc',
                '-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON',
                '-DCMAKE_INSTALL_RPATH=$ORIGIN',
              ]
            : []),
        ],
        { onLog: log, signal: options.signal, env },
      );
      await run(
        'cmake',
        [
          '--build',
          buildDir,
          '--config',
          'Release',
          '--target',
          'whisper-cli',
          'greffier-whisper-host',
          '-j',
          String(Math.max(1, Math.min(availableParallelism(), 4))),
        ],
        { onLog: log, signal: options.signal, env },
      );
      const builtPath = (name: string) => {
        const found = [join(buildDir, 'bin', name), join(buildDir, 'bin', 'Release', name)].find(
          (p) => existsSync(p),
        );
        if (found) return found;
        throw new GreffierError(
          'engine-build-failed',
          `The build finished but ${name} is not in ${join(buildDir, 'bin')}`,
          { hint: 'run "greffier engine build --force" to build again from scratch' },
        );
      };
      const builtCli = builtPath(WHISPER_CLI_NAME);
      const builtHost = builtPath(WHISPER_HOST_NAME);
      // The libraries first, then the binaries (copy then rename: never seen half-written).
      if (variants) copyVariantLibraries(buildDir, dir);
      for (const [from, to] of [
        [builtHost, host],
        [builtCli, binary],
      ] as const) {
        copyFileSync(from, `${to}.partial`);
        renameSync(`${to}.partial`, to);
      }
      writeFileSync(
        stampPath(dir),
        JSON.stringify({ ...want, builtAt: new Date().toISOString() }, null, 2),
      );
      return binary;
    },
    {
      signal: options.signal,
      onWait: () =>
        options.onLog?.('greffier: another process is building whisper-cli; waiting for it'),
    },
  );
}

/**
 * Where whisper-cli is: GREFFIER_WHISPER_CLI, then the packaged app's
 * resources/engines, then the project's engines/ folder.
 */
export function locateWhisperCli(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.GREFFIER_WHISPER_CLI;
  if (fromEnv) {
    if (existsSync(fromEnv) && env.GREFFIER_CPU_VARIANT) {
      return forcedVariantCli(fromEnv, env.GREFFIER_CPU_VARIANT, homePaths(env).temp);
    }
    if (existsSync(fromEnv)) return fromEnv;
    throw new GreffierError(
      'engine-missing',
      `GREFFIER_WHISPER_CLI points to ${fromEnv}, which does not exist`,
      { hint: 'correct or unset GREFFIER_WHISPER_CLI' },
    );
  }
  const candidates = [
    join(resourcesRoot(env), 'engines', WHISPER_CLI_NAME),
    join(engineDir(), WHISPER_CLI_NAME),
  ];
  const found = candidates.find((p) => existsSync(p));
  // A lower CPU variant on request (tests, benchmarks, a PC that misbehaves with the best one).
  if (found && env.GREFFIER_CPU_VARIANT) {
    return forcedVariantCli(found, env.GREFFIER_CPU_VARIANT, homePaths(env).temp);
  }
  if (found) return found;
  throw new GreffierError('engine-missing', 'The whisper-cli engine is not built yet', {
    hint: 'run "npm run build:whisper" (or "greffier engine build") in the project folder',
  });
}

export interface EngineStatus {
  path?: string;
  /** The whisper host beside whisper-cli, when built. */
  host?: string;
  stamp?: EngineStamp;
  /** Undefined in a packaged app, which ships the binary but not the source. */
  source?: EngineSource;
  upToDate: boolean;
  /** A variants build: the CPU backends beside it and the one this CPU gets. */
  variants?: { built: string[]; selected?: string; forced?: string };
}

export function whisperCliStatus(env: NodeJS.ProcessEnv = process.env): EngineStatus {
  let source: EngineSource | undefined;
  try {
    source = whisperSourceVersion();
  } catch {
    source = undefined;
  }
  let path: string | undefined;
  try {
    path = locateWhisperCli(env);
  } catch {
    path = undefined;
  }
  // The installed binary's folder (not a forced variant's copy) holds the stamp and the variants.
  let home: string | undefined;
  try {
    home = dirname(locateWhisperCli({ ...env, GREFFIER_CPU_VARIANT: '' }));
  } catch {
    home = undefined;
  }
  const stamp = readEngineStamp(home);
  const built = home ? builtVariants(home) : [];
  const flags = cpuFlags();
  const variants =
    built.length > 0
      ? {
          built,
          ...(flags ? { selected: expectedVariant(built, flags) } : {}),
          ...(env.GREFFIER_CPU_VARIANT ? { forced: env.GREFFIER_CPU_VARIANT } : {}),
        }
      : undefined;
  // A packaged app has no source to compare with: the binary it ships is the one to use.
  const hostPath = path ? join(dirname(path), WHISPER_HOST_NAME) : undefined;
  const host = hostPath && existsSync(hostPath) ? hostPath : undefined;
  const upToDate =
    !!path &&
    !!host &&
    (!source ||
      (!!stamp &&
        stamp.nodejsWhisper === source.nodejsWhisper &&
        stamp.whisperCpp === source.whisperCpp &&
        stamp.host === hostSourceHash()));
  return {
    path,
    ...(host ? { host } : {}),
    stamp,
    source,
    upToDate,
    ...(variants ? { variants } : {}),
  };
}
