import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppService } from '../core/app/app-service.js';
import { projectRoot } from '../core/paths.js';
import { machinePolicyProblem } from '../core/policy.js';
import { startDevhost } from './server.js';

const USAGE = `Usage: node dist/devhost/main.js [--port N] [--asr-model F] [--llm-model F] [--speech-model F] [--threads N]

Serves the Greffier UI and its API on http://127.0.0.1 only, for a browser:
open the printed address (it carries this launch's secret token).
  --port N        port to listen on (default: a free one)
  --asr-model F   whisper.cpp model to use when the vault has none installed
  --llm-model F   GGUF model to use when the vault has none installed
  --speech-model F  Piper voice (.onnx, its .onnx.json beside it) that reads answers aloud
  --threads N     threads for the engines
The vault folder is GREFFIER_HOME (default: the per-user data folder).`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'asr-model': { type: 'string' },
        'llm-model': { type: 'string' },
        'speech-model': { type: 'string' },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`greffier devhost: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`greffier devhost: --port takes a number from 0 to 65535, not "${values.port}"`);
    process.exitCode = 2;
    return;
  }
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const policyProblem = machinePolicyProblem(process.env);
  if (policyProblem) {
    console.error(`greffier devhost: ${policyProblem}`);
    process.exitCode = 1;
    return;
  }
  const service = new AppService({
    fallbackModels: {
      ...(values['asr-model'] ? { asr: values['asr-model'] } : {}),
      ...(values['llm-model'] ? { llm: values['llm-model'] } : {}),
      ...(values['speech-model'] ? { speech: values['speech-model'] } : {}),
    },
    ...(threads && threads > 0 ? { threads } : {}),
  });
  let host;
  try {
    host = await startDevhost({
      dispatcher: service.dispatcher,
      rendererDir: join(projectRoot(), 'dist', 'renderer'),
      port,
    });
  } catch (error) {
    console.error(`greffier devhost: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  // One line a script can parse, then the words for a person.
  console.log(`GREFFIER_URL=${host.openUrl}`);
  console.log(
    `Greffier is running in browser mode (no Electron here).\nOpen this address in Chromium or Firefox on this computer:\n\n  ${host.openUrl}\n\nOnly this computer can reach it, and only with this address. Press Ctrl-C to stop.`,
  );
  const stop = async () => {
    await service.close().catch(() => undefined);
    await host.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
