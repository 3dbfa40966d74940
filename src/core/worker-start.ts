import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Where a file of the app is on disk: in the packaged app the workers and the
 * little they import are unpacked beside app.asar (electron-builder.yml,
 * asarUnpack), so a thread loads plain files and native add-ons next to
 * them; elsewhere the path is unchanged.
 */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/**
 * Starts the worker `name` of the folder `here`: the compiled `name.js` when
 * running from dist; from the sources (tests, development) a small bootstrap
 * registers tsx in the worker first, since a worker does not inherit the
 * parent's module hooks.
 */
export function startWorker(here: string, name: string, options: WorkerOptions): Worker {
  const compiled = unpackedPath(join(here, `${name}.js`));
  if (existsSync(compiled)) return new Worker(compiled, options);
  const source = pathToFileURL(join(here, `${name}.ts`)).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
