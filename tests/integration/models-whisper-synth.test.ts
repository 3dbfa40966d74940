import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'greffier-whisper-synth-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const missing = speechToolsMissing();
if (missing) console.warn(`skipping the generated-whisper transcription test: ${missing}`);

let cli: string;
let model: string;
beforeAll(async () => {
  if (missing) return;
  [cli, { whisper: model }] = await Promise.all([whisperCli(), testModels()]);
}, 900_000);

interface WhisperJson {
  model: { multilingual: boolean; vocab: number; audio: { state: number; layer: number } };
  result: { language: string };
  transcription: { offsets: { from: number; to: number }; text: string }[];
}

describe('generated whisper model through the real whisper-cli', () => {
  it.skipIf(missing)(
    'loads as multilingual and transcribes French speech into segments',
    async () => {
      const wav = spokenWav({ lang: 'fr' });
      const prefix = join(scratch, 'fr');
      await run(cli, ['-m', model, '-f', wav, '-l', 'fr', '-t', '1', '-ojf', '-of', prefix, '-np']);
      const output = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as WhisperJson;
      expect(output.model).toMatchObject({
        multilingual: true,
        vocab: 51865,
        audio: { state: 64, layer: 1 },
      });
      expect(output.result.language).toBe('fr');
      expect(output.transcription.length).toBeGreaterThanOrEqual(1);
      expect(output.transcription.some((s) => s.text.trim().length > 0)).toBe(true);
    },
  );
});
