import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/core/paths.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';

/**
 * Everything the scenarios share, made once: the built app, whisper-cli, the
 * generated models and the spoken WAV that plays as the microphone. Written
 * to test-results/e2e-setup.json for the tests to read.
 */
export default async function globalSetup(): Promise<void> {
  const root = projectRoot();
  for (const file of ['dist/devhost/main.js', 'dist/renderer/index.html']) {
    if (!existsSync(join(root, file))) {
      throw new Error(`${file} is missing: run "npm run build" before "npm run test:e2e".`);
    }
  }
  const missing = speechToolsMissing();
  if (missing) throw new Error(`The e2e scenarios need a spoken microphone: ${missing}.`);
  const [cli, models] = await Promise.all([whisperCli(), testModels()]);
  // ~20 s of French speech: the clerk's meeting, played by Chromium's fake microphone.
  const meetingWav = spokenWav({ lang: 'fr', repeat: 3 });
  const questionWav = spokenWav({ lang: 'fr', text: 'Quel est le budget de la commune ?' });
  const dir = join(root, 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'e2e-setup.json'),
    JSON.stringify({ whisperCli: cli, models, meetingWav, questionWav }, null, 2),
  );
}
