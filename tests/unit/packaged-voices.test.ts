// Issue 13, left from the last session: in the installed app the code lives
// in app.asar, but the voices worker thread loads the sherpa-onnx add-on and
// runs from plain files. electron-builder must unpack the add-on packages,
// the worker and every module the worker imports; the thread must start from
// the unpacked copy. Both are read here from the real config and sources, so
// a new import in the worker fails this test until the config follows.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { unpackedPath } from '../../src/core/worker-start.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The asarUnpack list of electron-builder.yml (a plain YAML list of globs, comments between). */
function asarUnpack(): string[] {
  const yaml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
  expect(yaml).toMatch(/^asar: true$/m);
  const lines = yaml.split('\n');
  const start = lines.findIndex((line) => line.startsWith('asarUnpack:'));
  expect(start).toBeGreaterThan(-1);
  const patterns: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#/.test(line)) continue;
    const item = /^\s+-\s+(.+?)\s*$/.exec(line);
    if (!item) break;
    patterns.push(item[1]!.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1'));
  }
  return patterns;
}

/** The worker's modules (as their dist paths) and the packages they load, followed from the sources. */
function workerClosure(worker: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [join(ROOT, 'src', 'core', worker)];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Static and dynamic imports, and createRequire(…)('package') for native add-ons.
    const specifiers = [
      ...source.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?'([^']+)'/gm),
      ...source.matchAll(/import\('([^']+)'\)/g),
      ...source.matchAll(/createRequire\([^)]*\)\('([^']+)'\)/g),
    ].map((m) => m[1]!);
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) {
        // A type-only import leaves nothing in the compiled worker.
        const line = source.split('\n').find((l) => l.includes(`'${specifier}'`)) ?? '';
        if (/^(?:import|export) type /.test(line)) continue;
        todo.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      } else {
        packages.add(specifier);
      }
    }
  }
  return {
    files: [...files].map((f) =>
      join('dist', relative(join(ROOT, 'src'), f))
        .replace(/\.ts$/, '.js')
        .replaceAll('\\', '/'),
    ),
    packages: [...packages],
  };
}

const unpacked = (path: string, patterns: string[]) =>
  patterns.some((pattern) => minimatch(path, pattern, { dot: true }));

describe('the packaged app and its sherpa-onnx workers', () => {
  it.each([
    ['speakers/voices-worker.ts', 2],
    ['speech/speech-worker.ts', 1],
  ])('unpacks %s, each module it imports, and the sherpa-onnx add-on', (worker, least) => {
    const patterns = asarUnpack();
    const { files, packages } = workerClosure(worker);
    expect(files).toContain(`dist/core/${worker.replace(/\.ts$/, '.js')}`);
    expect(files.length).toBeGreaterThanOrEqual(least);
    for (const file of files) expect(unpacked(file, patterns), file).toBe(true);
    // Node reads a .js file as an ES module from the nearest package.json's "type": that one too.
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).type).toBe('module');
    expect(unpacked('package.json', patterns), 'package.json').toBe(true);
    // The add-on's JavaScript, and its per-platform package with the .node file and its libraries.
    expect(packages).toContain('sherpa-onnx-node');
    for (const pkg of packages) {
      expect(unpacked(`node_modules/${pkg}/package.json`, patterns), pkg).toBe(true);
    }
    for (const platform of ['linux-x64', 'win-x64', 'darwin-arm64', 'darwin-x64']) {
      for (const file of ['sherpa-onnx.node', 'libonnxruntime.so', 'onnxruntime.dll']) {
        const path = `node_modules/sherpa-onnx-${platform}/${file}`;
        expect(unpacked(path, patterns), path).toBe(true);
      }
    }
    // The rest of the app stays inside the asar (integrity-checked).
    expect(unpacked('dist/core/meetings/meetings.js', patterns)).toBe(false);
    expect(unpacked('dist/main/main.js', patterns)).toBe(false);
  });

  it('starts the worker from the unpacked copy, and from where it is elsewhere', () => {
    expect(
      unpackedPath('/opt/Greffier/resources/app.asar/dist/core/speakers/voices-worker.js'),
    ).toBe('/opt/Greffier/resources/app.asar.unpacked/dist/core/speakers/voices-worker.js');
    expect(unpackedPath('C:\\Program Files\\Greffier\\resources\\app.asar\\dist\\core\\x.js')).toBe(
      'C:\\Program Files\\Greffier\\resources\\app.asar.unpacked\\dist\\core\\x.js',
    );
    expect(unpackedPath('/work/greffier/dist/core/speakers/voices-worker.js')).toBe(
      '/work/greffier/dist/core/speakers/voices-worker.js',
    );
    expect(unpackedPath('/home/a/app.asar.unpacked/dist/x.js')).toBe(
      '/home/a/app.asar.unpacked/dist/x.js',
    );
  });
});
