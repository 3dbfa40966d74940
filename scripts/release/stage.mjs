// Stages exactly what an installer carries, in the installed layout:
//   OUT/app/        what electron-builder packs into resources/app.asar
//                   (package.json, dist, dist-electron, bin, production node_modules)
//   OUT/resources/  what it copies beside it (engines, prompts, templates, catalogue)
// The release build packs OUT/app; the staged-app test runs the CLI from a
// copy of OUT alone, so a runtime file left out or a dev-only import fails
// here rather than on an office PC. Plain Node, no dependency: it runs on the
// build machine before anything else.
//
//   node scripts/release/stage.mjs --out DIR [--platform linux|win32] [--arch x64]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Files no installer carries, wherever they are. */
const DROPPED_FILE = /(\.map|\.d\.[cm]?ts|\.tsbuildinfo|\.ts|\.tsx)$/;
/** Folders no installer carries (tests, docs, examples of dependencies). */
const DROPPED_DIR = new Set(['test', 'tests', '__tests__', 'example', 'examples', 'docs', '.github']);

/**
 * Packages in the production tree that nothing loads at run time: type
 * definitions, TypeScript (an optional peer of node-llama-cpp), and
 * nodejs-whisper (its whisper.cpp source is built on the build machine; the
 * binary ships in resources/engines).
 */
const NOT_AT_RUN_TIME = [/^@types\//, /^typescript$/, /^nodejs-whisper$/];

/**
 * Prebuilt native packages for another platform, CPU or GPU stack: the app
 * runs llama.cpp on the CPU (gpu: false) and on one platform per installer.
 */
function foreignNative(name, platform, arch) {
  const target = `${platform === 'win32' ? 'win' : platform}-${arch}`;
  const llama = /^@node-llama-cpp\/(.+)$/.exec(name);
  if (llama) return llama[1] !== target;
  const sherpa = /^sherpa-onnx-(linux|win|darwin)-(.+)$/.exec(name);
  if (sherpa) return `${sherpa[1]}-${sherpa[2]}` !== target;
  return false;
}

/** Large files inside kept packages that only serve a build from source. */
const DROPPED_INSIDE = [join('node-llama-cpp', 'llama', 'gitRelease.bundle')];

export class StageError extends Error {}

/** Production packages as npm resolved them: [name, folder] pairs. */
export function productionPackages(root = ROOT) {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 32 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((line) => line && resolve(line) !== resolve(root))
    .map((dir) => [packageNameOf(dir), dir]);
}

/** Every package installed in the tree (dev included). */
export function allPackages(root = ROOT) {
  const out = execFileSync('npm', ['ls', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 32 * 1024 * 1024,
  });
  return out
    .split('\n')
    .filter((line) => line && resolve(line) !== resolve(root))
    .map((dir) => [packageNameOf(dir), dir]);
}

function packageNameOf(dir) {
  const parts = dir.split(`${sep}node_modules${sep}`);
  return parts[parts.length - 1].split(sep).join('/');
}

function keepFile(source) {
  const name = basename(source);
  if (statSync(source).isDirectory()) return !DROPPED_DIR.has(name) && name !== 'node_modules';
  if (DROPPED_INSIDE.some((inside) => source.endsWith(inside))) return false;
  return !DROPPED_FILE.test(name);
}

/**
 * Stages the app for one platform and returns what it did. Throws a
 * StageError (one line) when something the installer needs is missing.
 */
export function stageApp({ root = ROOT, out, platform = process.platform, arch = process.arch, engines } = {}) {
  if (!out) throw new StageError('stage: --out DIR is required');
  const need = [
    ['dist/cli/main.js', 'run "npm run build" first'],
    ['dist/main/main.js', 'run "npm run build" first'],
    ['dist/renderer/index.html', 'run "npm run build" first'],
    ['dist-electron/preload.cjs', 'run "npm run build" first'],
  ];
  for (const [file, hint] of need) {
    if (!existsSync(join(root, file))) throw new StageError(`stage: ${file} is missing — ${hint}`);
  }
  const exe = platform === 'win32' ? 'whisper-cli.exe' : 'whisper-cli';
  const engineDir = engines ?? join(root, 'engines', 'whisper');
  if (!existsSync(join(engineDir, exe))) {
    throw new StageError(
      `stage: ${join(engineDir, exe)} is missing — run "npm run build:whisper -- --portable" first`,
    );
  }

  const appDir = join(out, 'app');
  const resourcesDir = join(out, 'resources');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  mkdirSync(resourcesDir, { recursive: true });

  // package.json: what the app needs to start, nothing of the development setup.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const shipped = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: pkg.type,
    main: 'dist/main/main.js',
    bin: pkg.bin,
    engines: pkg.engines,
    dependencies: pkg.dependencies,
  };
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);

  // Built code: the browser host (dist/devhost) is a development door and stays out.
  cpSync(join(root, 'dist'), join(appDir, 'dist'), {
    recursive: true,
    filter: (source) => keepFile(source) && !source.startsWith(join(root, 'dist', 'devhost')),
  });
  cpSync(join(root, 'dist-electron', 'preload.cjs'), join(appDir, 'dist-electron', 'preload.cjs'));
  cpSync(join(root, 'bin', 'greffier.js'), join(appDir, 'bin', 'greffier.js'));

  const packages = [];
  const left = [];
  for (const [name, dir] of productionPackages(root)) {
    if (NOT_AT_RUN_TIME.some((re) => re.test(name)) || foreignNative(name, platform, arch)) {
      left.push(name);
      continue;
    }
    const to = join(appDir, relative(root, dir));
    // The package's own folder is kept whatever its name (@playwright/test is no test folder).
    cpSync(dir, to, { recursive: true, filter: (source) => source === dir || keepFile(source) });
    packages.push(name);
  }
  const target = `${platform === 'win32' ? 'win' : platform}-${arch}`;
  if (!packages.includes(`@node-llama-cpp/${target}`)) {
    throw new StageError(
      `stage: @node-llama-cpp/${target} is not installed — on another platform, install it with "npm install --no-save --os=${platform} --cpu=${arch} @node-llama-cpp/${target}"`,
    );
  }

  // Resources beside the asar, as electron-builder.yml's extraResources lays them out.
  for (const entry of ['prompts', 'templates', 'models-catalogue.json', 'release']) {
    const from = join(root, 'resources', entry);
    if (existsSync(from)) cpSync(from, join(resourcesDir, entry), { recursive: true });
  }
  mkdirSync(join(resourcesDir, 'engines'), { recursive: true });
  for (const name of readdirSync(engineDir)) {
    const from = join(engineDir, name);
    // whisper-cli (whole files), our whisper host (windows: one loaded model), their libraries.
    const binaries = [exe, platform === 'win32' ? 'greffier-whisper-host.exe' : 'greffier-whisper-host'];
    if (statSync(from).isFile() && (binaries.includes(name) || /\.(so(\..*)?|dll|dylib|json)$/.test(name))) {
      cpSync(from, join(resourcesDir, 'engines', name));
    }
  }
  return { appDir, resourcesDir, packages, left, platform, arch };
}

/** Every file under `dir`, relative, with forward slashes. */
export function listFiles(dir) {
  const files = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

/**
 * What must never be in the app folder or its asar (one line per fault):
 * anything outside the allowed top-level entries, source maps, TypeScript
 * sources, test folders, the browser host, and any development package.
 */
export function appFolderFaults(files, devPackages) {
  const top = new Set(['package.json', 'dist', 'dist-electron', 'bin', 'node_modules']);
  const faults = [];
  const dev = new Set(devPackages);
  for (const file of files) {
    const parts = file.split('/');
    if (!top.has(parts[0])) faults.push(`${file}: not an allowed top-level entry`);
    if (DROPPED_FILE.test(file)) faults.push(`${file}: source map or TypeScript source`);
    // Folders inside a package (or the app), not the package's own name.
    const at = parts.lastIndexOf('node_modules');
    const scoped = at >= 0 && parts[at + 1]?.startsWith('@');
    const name = at >= 0 ? (scoped ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]) : undefined;
    const inside = at >= 0 ? parts.slice(at + (scoped ? 3 : 2), -1) : parts.slice(0, -1);
    if (inside.some((p) => DROPPED_DIR.has(p))) faults.push(`${file}: test or documentation folder`);
    if (file.startsWith('dist/devhost/')) faults.push(`${file}: the development browser host`);
    if (name && dev.has(name)) faults.push(`${file}: development package ${name}`);
  }
  return faults;
}

/** Packages installed only for development (in the full tree, not in the production tree). */
export function developmentPackages(root = ROOT) {
  const prod = new Set(productionPackages(root).map(([name]) => name));
  return [...new Set(allPackages(root).map(([name]) => name))].filter((name) => !prod.has(name));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      platform: { type: 'string' },
      arch: { type: 'string' },
      engines: { type: 'string' },
    },
  });
  try {
    const result = stageApp({
      out: values.out && resolve(values.out),
      ...(values.platform ? { platform: values.platform } : {}),
      ...(values.arch ? { arch: values.arch } : {}),
      ...(values.engines ? { engines: resolve(values.engines) } : {}),
    });
    console.log(
      `staged ${result.packages.length} production packages for ${result.platform}-${result.arch} in ${values.out} (left out: ${result.left.join(', ') || 'none'})`,
    );
  } catch (error) {
    if (error instanceof StageError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
