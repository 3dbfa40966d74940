import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spokenWav, speechToolsMissing } from '../helpers/fixtures.js';
import { SCRIPTED_WORDS } from '../../src/core/models/synth/whisper-file.js';
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
    'loads as multilingual and says its scripted words for French speech',
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
      // The scripted decoder says its words once per 30 s window, confidently.
      expect(output.transcription).toHaveLength(1);
      expect(output.transcription[0]?.text.trim()).toBe(SCRIPTED_WORDS.join(' '));
      expect(output.transcription[0]?.offsets.from).toBe(0);
    },
  );

  it.skipIf(missing)(
    'decodes without temperature fallback, one segment per 30 s window',
    async () => {
      const wav = spokenWav({ lang: 'en', repeat: 6 });
      const prefix = join(scratch, 'en');
      // Without -np whisper.cpp prints its timings, fallback count included.
      const { stderr } = await run(cli, [
        '-m',
        model,
        '-f',
        wav,
        '-l',
        'en',
        '-t',
        '1',
        '-ojf',
        '-of',
        prefix,
      ]);
      expect(stderr).toMatch(/fallbacks = +0 p \/ +0 h/);
      const output = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as WhisperJson;
      const starts = output.transcription.map((s) => s.offsets.from);
      expect(starts.length).toBeGreaterThanOrEqual(2);
      expect(starts).toEqual(starts.map((_, i) => i * 30_000));
    },
  );
});
