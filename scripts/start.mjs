// `npm start`: the Electron app when its binary is installed, otherwise the
// same UI in the browser through the loopback devhost (printed URL).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

// whisper.cpp is built once from the bundled source (cached in engines/); on a
// fresh machine this is the first start's longest step. Without cmake/g++ the
// app still opens, and transcription explains what to install.
try {
  const { ensureWhisperCli } = await import('../dist/core/asr/engine.js');
  let told = false;
  await ensureWhisperCli({
    onLog: () => {
      if (!told) console.log('Building whisper.cpp once from the bundled source (a few minutes)…');
      told = true;
    },
  });
} catch (error) {
  console.warn(
    `Transcription is unavailable until whisper.cpp is built: ${error?.message ?? error}`,
  );
}

const args = process.argv.slice(2);
const electron = electronBinary();
let child;
if (electron) {
  child = spawn(electron, [join(root, 'dist', 'main', 'main.js'), ...args], { stdio: 'inherit' });
} else {
  console.log(
    'Electron is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD): starting the browser host instead.',
  );
  child = spawn(process.execPath, [join(root, 'dist', 'devhost', 'main.js'), ...args], {
    stdio: 'inherit',
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
