import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error the staging script is plain JavaScript (it runs before any build)
import * as stage from '../../scripts/release/stage.mjs';
import { projectRoot } from '../../src/core/paths.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

/**
 * Issue 12, item 2: the app folder an installer carries is complete on its
 * own. It is staged into a temporary folder outside the project (so Node
 * cannot fall back on the project's node_modules) and the built CLI runs
 * from there alone, with a fresh HOME and GREFFIER_HOME, through transcribe,
 * import, summarize and ask on generated models. A runtime file left out, or
 * an import of a development package, fails here.
 */
interface Staged {
  appDir: string;
  resourcesDir: string;
  packages: string[];
  left: string[];
}
const { stageApp, listFiles, appFolderFaults, developmentPackages } = stage as {
  stageApp(options: { out: string; engines?: string }): Staged;
  listFiles(dir: string): string[];
  appFolderFaults(files: string[], dev: string[]): string[];
  developmentPackages(): string[];
};

const run = promisify(execFile);
const root = projectRoot();
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
if (!built) console.warn('release-stage.test: skipped — run "npm run build" first (CI does)');
const speechMissing = speechToolsMissing();
if (speechMissing) console.warn(`release-stage.test: spoken meeting skipped — ${speechMissing}`);

const work = mkdtempSync(join(tmpdir(), 'greffier-staged-'));
let staged: Staged;
let models: { whisper: string; llm: string };

beforeAll(async () => {
  if (!built) return;
  const engine = await whisperCli();
  staged = stageApp({ out: join(work, 'Greffier'), engines: resolve(engine, '..') });
  // The generated models travel too: nothing is read from the project.
  const generated = await testModels();
  models = { whisper: join(work, 'whisper-synth.bin'), llm: join(work, 'llm-synth.gguf') };
  copyFileSync(generated.whisper, models.whisper);
  copyFileSync(generated.llm, models.llm);
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!built)('the staged app folder', () => {
  it('holds the runtime and nothing an installer must not carry', () => {
    const files = listFiles(staged.appDir);
    expect(appFolderFaults(files, developmentPackages())).toEqual([]);
    for (const needed of [
      'package.json',
      'bin/greffier.js',
      'dist/cli/main.js',
      'dist/main/main.js',
      'dist/renderer/index.html',
      'dist-electron/preload.cjs',
      'node_modules/node-llama-cpp/package.json',
      `node_modules/@node-llama-cpp/${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}/package.json`,
      'node_modules/zod/package.json',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(staged.left).toEqual(expect.arrayContaining(['nodejs-whisper', 'typescript']));
    expect(listFiles(staged.resourcesDir)).toEqual(
      expect.arrayContaining(['engines/whisper-cli', 'models-catalogue.json']),
    );
    // No link leads back into the project.
    for (const file of files) {
      const path = join(staged.appDir, file);
      if (lstatSync(path).isSymbolicLink()) {
        expect(resolve(path, '..', readlinkSync(path)), file).not.toContain(root);
      }
    }
  });

  it('the allow-list names what it refuses', () => {
    expect(
      appFolderFaults(
        [
          'dist/core/paths.js.map',
          'dist/core/paths.d.ts',
          'src/core/paths.ts',
          'node_modules/vitest/index.js',
          'node_modules/@playwright/test/index.js',
          'node_modules/zod/tests/a.js',
          'dist/devhost/main.js',
        ],
        ['vitest', '@playwright/test'],
      ),
    ).toEqual([
      'dist/core/paths.js.map: source map or TypeScript source',
      'dist/core/paths.d.ts: source map or TypeScript source',
      'src/core/paths.ts: not an allowed top-level entry',
      'src/core/paths.ts: source map or TypeScript source',
      'node_modules/vitest/index.js: development package vitest',
      'node_modules/@playwright/test/index.js: development package @playwright/test',
      'node_modules/zod/tests/a.js: test or documentation folder',
      'dist/devhost/main.js: the development browser host',
    ]);
  });

  it.skipIf(Boolean(speechMissing))(
    'runs the CLI alone: transcribe, import, summarize, ask',
    async () => {
      const wav = join(work, 'meeting.wav');
      copyFileSync(
        spokenWav({ lang: 'fr', text: 'Le conseil municipal adopte le budget de la commune.' }),
        wav,
      );
      const pass = join(work, 'pass');
      writeFileSync(pass, 'girafe cadastre lundi perce-neige\n');
      // What the packaged main process sets (GREFFIER_RESOURCES); nothing else of the project.
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: join(work, 'home'),
        GREFFIER_HOME: join(work, 'greffier'),
        GREFFIER_RESOURCES: staged.resourcesDir,
        GREFFIER_THREADS: process.env.GREFFIER_THREADS ?? '1',
        GREFFIER_POLICY: join(work, 'no-policy.json'),
        LANG: 'C.UTF-8',
      };
      const greffier = async (...args: string[]) => {
        const { stdout } = await run(
          process.execPath,
          [join(staged.appDir, 'bin', 'greffier.js'), ...args],
          {
            cwd: work,
            env,
            maxBuffer: 16 * 1024 * 1024,
          },
        );
        return stdout;
      };
      const transcript = JSON.parse(
        await greffier('transcribe', wav, '--asr-model', models.whisper, '--lang', 'fr', '--json'),
      ) as { segments: unknown[] };
      expect(transcript.segments.length).toBeGreaterThan(0);

      await greffier('vault', 'init', '--passphrase-file', pass);
      const id = (
        await greffier(
          'import',
          wav,
          '--title',
          'Conseil',
          '--lang',
          'fr',
          '--asr-model',
          models.whisper,
          '--passphrase-file',
          pass,
        )
      ).trim();
      expect(id).toMatch(/^m[0-9a-f]+$/);
      await greffier('summarize', id, '--llm-model', models.llm, '--passphrase-file', pass);
      const list = await greffier('list', '--passphrase-file', pass);
      expect(list).toMatch(new RegExp(`${id}\\s.*ready`));
      const answer = await greffier(
        'ask',
        'Le budget de la commune est-il adopté ?',
        '--llm-model',
        models.llm,
        '--json',
        '--passphrase-file',
        pass,
      );
      expect(JSON.parse(answer)).toMatchObject({ language: 'fr' });
    },
    900_000,
  );
});
