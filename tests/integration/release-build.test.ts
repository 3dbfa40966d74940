import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error the release script is plain JavaScript (it runs before any build)
import * as releaseScript from '../../scripts/release/release.mjs';
import { projectRoot } from '../../src/core/paths.js';
import { tempDir } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';

/**
 * Issue 12, item 1: "npm run release" runs every step it can here (build,
 * engines, stage, allow-lists of the app folder and of the asar) and stops at
 * electron-builder, whose Electron zips cannot be downloaded, with one line —
 * found before electron-builder starts, so nothing waits on the network.
 */
const { electronProblem, TARGETS } = releaseScript as {
  electronProblem(root: string, env: NodeJS.ProcessEnv, targets: unknown[]): string | undefined;
  TARGETS: Record<string, { platform: string; arch: string }>;
};
const run = promisify(execFile);
const root = projectRoot();
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
if (!built) console.warn('release-build.test: skipped — run "npm run build" first (CI does)');
const dir = tempDir('greffier-release-');
const cache = join(dir.path, 'electron-cache');
let engines: string;

beforeAll(async () => {
  engines = resolve(await whisperCli(), '..');
  mkdirSync(cache);
}, 600_000);
afterAll(() => dir.remove());

async function release(...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        join(root, 'scripts', 'release', 'release.mjs'),
        '--skip-build',
        '--out',
        join(dir.path, 'stage'),
        ...args,
      ],
      {
        cwd: root,
        env: { ...process.env, ELECTRON_CACHE: cache, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
        timeout: 600_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) {
      throw new Error('release.mjs did not finish: it must never wait on a download', {
        cause: error,
      });
    }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!built)('npm run release on a machine without Electron downloads', () => {
  it('checks everything before electron-builder, then stops with one line naming the Electron zip', async () => {
    const result = await release('--engines', engines, '--native-engine-ok');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✓ engines — /m);
    expect(result.stdout).toMatch(/^✓ stage — \d+ production packages/m);
    expect(result.stdout).toMatch(/^✓ app folder allow-list — \d+ files/m);
    expect(result.stdout).toMatch(/^✓ asar allow-list — \d+ entries, \d+ unpacked files/m);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^release: electron-builder needs electron-v[\d.]+-linux-x64\.zip, which is not in .*electron-cache, and this machine cannot download it \(ELECTRON_SKIP_BINARY_DOWNLOAD is set\)/,
    );
  }, 600_000);

  it('refuses a native whisper-cli (built for this CPU only) in one line', async () => {
    const result = await release('--engines', engines);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^release: .* holds a native whisper-cli \(built for this CPU only\)/,
    );
    expect(result.stdout).not.toMatch(/✓ stage/);
  });

  it('finds the Electron zips when they are in the cache', () => {
    const pkg = join(root, 'node_modules', 'electron', 'package.json');
    const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
    const env = { ELECTRON_CACHE: cache };
    expect(electronProblem(root, env, [TARGETS.linux])).toMatch(/linux-x64\.zip/);
    writeFileSync(join(cache, `electron-v${version}-linux-x64.zip`), '');
    expect(electronProblem(root, env, [TARGETS.linux])).toBeUndefined();
    expect(electronProblem(root, env, [TARGETS.linux, TARGETS.win32])).toMatch(/win32-x64\.zip/);
  });
});
