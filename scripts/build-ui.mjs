// Placeholder until the renderer exists: the desktop UI is built here with esbuild.
import { existsSync } from 'node:fs';
if (!existsSync(new URL('../src/renderer/index.tsx', import.meta.url))) {
  console.log('build-ui: no renderer yet, nothing to build');
}
