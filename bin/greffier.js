#!/usr/bin/env node
// The CLI runs from the compiled output; "npm run build" makes it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'greffier: the CLI is not built yet — run "npm run build" in the project folder first\n',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
await main();
