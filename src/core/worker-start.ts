import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker `name` of the folder `here`: the compiled `name.js` when
 * running from dist; from the sources (tests, development) a small bootstrap
 * registers tsx in the worker first, since a worker does not inherit the
 * parent's module hooks.
 */
export function startWorker(here: string, name: string, options: WorkerOptions): Worker {
  const compiled = join(here, `${name}.js`);
  if (existsSync(compiled)) return new Worker(compiled, options);
  const source = pathToFileURL(join(here, `${name}.ts`)).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
