// npm run release — the installers, on a connected build machine:
//   1. build      npm run build (tsc + UI, release flags)
//   2. engines    whisper-cli with ggml's per-CPU variants (greffier engine build --variants)
//   3. stage      the app folder and resources exactly as installed (stage.mjs)
//   4. check      the staged folder and its asar against the allow-list
//   5. installers electron-builder: on Linux AppImage + deb, on Windows NSIS (electron-builder.yml);
//                 each on its own platform, as the engines are native code
// Step 5 needs Electron's own zips for each target: where they cannot be had
// (no network, ELECTRON_SKIP_BINARY_DOWNLOAD), it stops with one line, after
// 1–4 have run and been checked, rather than hang on a download.
//
//   node scripts/release/release.mjs [--skip-build] [--engines DIR] [--native-engine-ok]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { appFolderFaults, developmentPackages, listFiles, stageApp, StageError } from './stage.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What electron-builder leaves outside the asar (native code must be on disk to load). */
export const ASAR_UNPACK = '{**/*.node,**/*.so,**/*.so.*,**/*.dll,**/*.dylib}';
export const ASAR_UNPACK_DIR =
  '{node_modules/node-llama-cpp,node_modules/@node-llama-cpp/*,node_modules/sherpa-onnx-*}';
/**
 * The installers electron-builder makes, and the Electron zip each needs.
 * Each is made on its own platform: whisper-cli and llama.cpp's prebuilt
 * binaries are native code of the build machine's platform.
 */
export const TARGETS = {
  linux: { platform: 'linux', arch: 'x64', flags: ['--linux', 'AppImage', 'deb', '--x64'] },
  win32: { platform: 'win32', arch: 'x64', flags: ['--win', 'nsis', '--x64'] },
};

class ReleaseStop extends Error {}

/** Where electron-builder (@electron/get) keeps downloaded Electron zips. */
export function electronCacheDir(env = process.env) {
  if (env.ELECTRON_CACHE) return env.ELECTRON_CACHE;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? homedir(), 'electron', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

/**
 * Why electron-builder cannot run here (one line), or undefined when every
 * target's Electron zip is at hand. Looked up before electron-builder starts,
 * so an offline machine gets a sentence, not a hung download.
 */
export function electronProblem(root = ROOT, env = process.env, targets = [TARGETS[process.platform]]) {
  const pkg = join(root, 'node_modules', 'electron', 'package.json');
  if (!existsSync(pkg)) return 'the electron package is not installed (run "npm ci")';
  const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
  const cache = electronCacheDir(env);
  const missing = targets.map((t) => `electron-v${version}-${t.platform}-${t.arch}.zip`).filter(
    (zip) => !existsSync(join(cache, zip)) && !existsSync(join(cache, '*', zip)) && !cachedAnywhere(cache, zip),
  );
  if (missing.length === 0) return undefined;
  const offline = env.ELECTRON_SKIP_BINARY_DOWNLOAD ? ' (ELECTRON_SKIP_BINARY_DOWNLOAD is set)' : '';
  const them = missing.length > 1 ? ['are', 'them', 'those zips'] : ['is', 'it', 'that zip'];
  return `electron-builder needs ${missing.join(' and ')}, which ${them[0]} not in ${cache}, and this machine cannot download ${them[1]}${offline} — run "npm run release" on a connected build machine, or copy ${them[2]} into ${cache} (or ELECTRON_CACHE)`;
}

/** @electron/get keeps each zip in a folder named after its URL's hash. */
function cachedAnywhere(cache, zip) {
  if (!existsSync(cache)) return false;
  try {
    return execFileSync('find', [cache, '-name', zip], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}

function step(name, action) {
  const started = Date.now();
  const detail = action();
  console.log(`✓ ${name}${detail ? ` — ${detail}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function checkEngine(dir, nativeOk) {
  const exe = process.platform === 'win32' ? 'whisper-cli.exe' : 'whisper-cli';
  const stampFile = join(dir, 'whisper-cli.json');
  const host = process.platform === 'win32' ? 'greffier-whisper-host.exe' : 'greffier-whisper-host';
  if (!existsSync(join(dir, exe)) || !existsSync(join(dir, host)) || !existsSync(stampFile)) {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'greffier.js'), 'engine', 'build', '--variants', '--dir', dir], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (run.status !== 0) throw new ReleaseStop(`the engine build into ${dir} failed (see above)`);
  }
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  if (!stamp.portable && !nativeOk) {
    throw new ReleaseStop(
      `${dir} holds a native whisper-cli (built for this CPU only): build the installer's with "greffier engine build --variants --dir ${dir}"`,
    );
  }
  const variants = listFiles(dir).filter((f) => /ggml-cpu-/.test(f)).length;
  return `${stamp.variants ? `${variants} CPU variants` : stamp.portable ? 'portable' : 'NATIVE (test only)'} whisper.cpp ${stamp.whisperCpp}`;
}

async function checkAsar(staged) {
  const asar = await import(pathToFileURL(join(ROOT, 'node_modules', '@electron', 'asar', 'lib', 'asar.js')).href);
  const archive = join(dirname(staged.appDir), 'app.asar');
  rmSync(archive, { force: true });
  rmSync(`${archive}.unpacked`, { recursive: true, force: true });
  await asar.createPackageWithOptions(staged.appDir, archive, { unpack: ASAR_UNPACK, unpackDir: ASAR_UNPACK_DIR });
  const entries = asar.listPackage(archive, { isPack: false }).map((e) => e.replace(/^[\\/]/, '').replaceAll('\\', '/'));
  const files = entries.filter((e) => {
    try {
      return !asar.statFile(archive, e).files;
    } catch {
      return false;
    }
  });
  const faults = appFolderFaults(files, developmentPackages(ROOT));
  if (faults.length > 0) throw new ReleaseStop(`app.asar holds what it must not: ${faults.slice(0, 3).join('; ')}`);
  const unpacked = listFiles(`${archive}.unpacked`).length;
  return { files: files.length, unpacked };
}

export async function release(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'skip-build': { type: 'boolean' },
      engines: { type: 'string' },
      'native-engine-ok': { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const engines = resolve(values.engines ?? join(ROOT, 'build', 'engines', 'whisper'));
  const stageDir = resolve(values.out ?? join(ROOT, 'build', 'stage'));
  if (!values['skip-build']) {
    step('build', () => {
      const run = spawnSync('npm', ['run', 'build'], {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...env, GREFFIER_RELEASE: '1' },
      });
      if (run.status !== 0) throw new ReleaseStop('npm run build failed (see above)');
    });
  }
  step('engines', () => checkEngine(engines, values['native-engine-ok']));
  let staged;
  step('stage', () => {
    staged = stageApp({ root: ROOT, out: stageDir, engines });
    return `${staged.packages.length} production packages in ${stageDir}`;
  });
  step('app folder allow-list', () => {
    const faults = appFolderFaults(listFiles(staged.appDir), developmentPackages(ROOT));
    if (faults.length > 0) throw new ReleaseStop(`the staged app folder holds: ${faults.slice(0, 3).join('; ')}`);
    return `${listFiles(staged.appDir).length} files`;
  });
  const started = Date.now();
  const asar = await checkAsar(staged);
  console.log(
    `✓ asar allow-list — ${asar.files} entries, ${asar.unpacked} unpacked files (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const target = TARGETS[process.platform];
  if (!target) throw new ReleaseStop(`installers are made on Linux or Windows, not ${process.platform}`);
  const problem = electronProblem(ROOT, env, [target]);
  if (problem) throw new ReleaseStop(problem);
  const builder = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'electron-builder'),
    [
      ...target.flags,
      '--config',
      join(ROOT, 'electron-builder.yml'),
      `-c.directories.app=${staged.appDir}`,
      '--publish',
      'never',
    ],
    { cwd: ROOT, stdio: 'inherit', env, timeout: 60 * 60_000 },
  );
  if (builder.status !== 0) throw new ReleaseStop('electron-builder failed (see above)');
  console.log(`✓ installers in ${join(ROOT, 'release')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  release().catch((error) => {
    if (error instanceof ReleaseStop || error instanceof StageError) {
      console.error(`release: ${error.message}`);
      process.exit(1);
    }
    throw error;
  });
}
