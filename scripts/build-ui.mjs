// Builds what the desktop app loads: the React renderer (dist/renderer, with an
// index.html carrying the same strict CSP the hosts send), and the Electron
// main process and sandboxed preload (dist-electron). Core stays compiled by tsc.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'renderer');
const electronOut = join(root, 'dist-electron');
const release = process.env.GREFFIER_RELEASE === '1';

if (!existsSync(join(root, 'dist', 'core', 'app', 'csp.js'))) {
  console.error(
    'build-ui: dist/core is missing: run "tsc -p tsconfig.json" first (npm run build does).',
  );
  process.exit(1);
}
const { contentSecurityPolicy } = await import(join(root, 'dist', 'core', 'app', 'csp.js'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, 'src', 'renderer', 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  jsx: 'automatic',
  sourcemap: release ? false : 'linked',
  minify: release,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': JSON.stringify(release ? 'production' : 'development') },
  logLevel: 'warning',
});
cpSync(join(root, 'src', 'renderer', 'styles.css'), join(out, 'styles.css'));
cpSync(join(root, 'src', 'renderer', 'public'), out, { recursive: true });

// No inline script or style anywhere: the CSP forbids both.
writeFileSync(
  join(out, 'index.html'),
  `<!doctype html>
<html lang="fr">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy()}" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Greffier</title>
    <link rel="stylesheet" href="styles.css" />
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="app.js"></script>
  </body>
</html>
`,
);

// Electron: the main process runs from tsc's output (dist/main/main.js) so core keeps its
// layout (the model host and engines are found next to their modules); only the preload
// is bundled, as one CommonJS file, because sandboxed preloads cannot load modules.
mkdirSync(electronOut, { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'preload', 'preload.ts')],
  outfile: join(electronOut, 'preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: ['node20'],
  external: ['electron'],
  sourcemap: false,
  logLevel: 'warning',
});
console.log(`build-ui: renderer → ${out}, Electron preload → ${electronOut}`);
