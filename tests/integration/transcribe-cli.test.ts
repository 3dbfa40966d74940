import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { encodeWav16 } from '../../src/core/audio/wav.js';
import { projectRoot } from '../../src/core/paths.js';
import { TranscriptSchema } from '../../src/shared/transcript.js';
import {
  sharedFile,
  sharedFileMissing,
  speechToolsMissing,
  spokenWav,
} from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { whisperCli } from '../helpers/whisper.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

let models: { whisper: string; llm: string };
let work: string;
let goodWav: string;

beforeAll(async () => {
  await whisperCli();
  models = await testModels();
  work = mkdtempSync(join(tmpdir(), 'greffier-transcribe-cli-'));
  goodWav = join(work, 'tone.wav');
  const samples = new Float32Array(16000 * 2);
  for (let i = 0; i < samples.length; i++)
    samples[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000);
  writeFileSync(goodWav, encodeWav16(samples, 16000));
});

/** Every failure: exit code, one line on stderr starting "greffier:", nothing on stdout. */
function expectFailure(
  result: { code: number; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^greffier: /);
  expect(result.stderr).toMatch(pattern);
}

describe('greffier transcribe refuses bad input with a clear reason and exit code', () => {
  it('a missing audio file (1)', async () => {
    const r = await cli(['transcribe', join(work, 'absent.wav'), '--asr-model', models.whisper]);
    expectFailure(r, 1, /absent\.wav does not exist — check the path of the audio file/);
  });

  it('an MP3 file with no decodable frame (1)', async () => {
    const mp3 = join(work, 'talk.mp3');
    writeFileSync(
      mp3,
      Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x0a'), Buffer.alloc(64, 0xff)]),
    );
    const r = await cli(['transcribe', mp3, '--asr-model', models.whisper]);
    expectFailure(r, 1, /talk\.mp3 is an MP3 file, but no audio could be decoded from it/);
  });

  it('random bytes (1)', async () => {
    const noise = join(work, 'noise.wav');
    writeFileSync(noise, Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 131 + 7) % 256)));
    const r = await cli(['transcribe', noise, '--asr-model', models.whisper]);
    expectFailure(
      r,
      1,
      /noise\.wav is not a WAV file \(no RIFF\/WAVE header\); Greffier reads WAV/,
    );
  });

  it('an empty file (1)', async () => {
    const empty = join(work, 'empty.wav');
    writeFileSync(empty, '');
    const r = await cli(['transcribe', empty, '--asr-model', models.whisper]);
    expectFailure(r, 1, /empty\.wav is empty \(0 bytes\); Greffier reads WAV/);
  });

  it('a header that lies about its length (1)', async () => {
    const cut = join(work, 'cut.wav');
    writeFileSync(cut, readFileSync(goodWav).subarray(0, 44 + 5000));
    const r = await cli(['transcribe', cut, '--asr-model', models.whisper]);
    expectFailure(
      r,
      1,
      /cut\.wav has a header that claims 64000 bytes of samples but only 5000 are present/,
    );
  });

  it('an unknown flag (2)', async () => {
    const r = await cli(['transcribe', goodWav, '--asr-model', models.whisper, '--speed', 'fast']);
    expectFailure(r, 2, /Unknown option '--speed'.* run with --help to see the usage/);
  });

  it('no --asr-model (2)', async () => {
    const r = await cli(['transcribe', goodWav]);
    expectFailure(r, 2, /transcribe needs --asr-model <file> \(a whisper\.cpp model\)/);
  });

  it('no audio file, or two (2)', async () => {
    expectFailure(
      await cli(['transcribe', '--asr-model', models.whisper]),
      2,
      /transcribe needs the path of a WAV file/,
    );
    expectFailure(
      await cli(['transcribe', goodWav, goodWav, '--asr-model', models.whisper]),
      2,
      /transcribe takes one audio file, not 2/,
    );
  });

  it('a bad --lang (2)', async () => {
    const r = await cli(['transcribe', goodWav, '--asr-model', models.whisper, '--lang', 'de']);
    expectFailure(r, 2, /--lang takes fr, en or auto, not "de"/);
  });

  it('a bad --threads (2)', async () => {
    for (const bad of ['0', 'two', '-1', '1.5']) {
      const r = await cli([
        'transcribe',
        goodWav,
        '--asr-model',
        models.whisper,
        `--threads=${bad}`,
      ]);
      expectFailure(
        r,
        2,
        new RegExp(`--threads takes a whole number of 1 or more, not "${bad.replace('.', '\\.')}"`),
      );
    }
  });

  it('a bad --audio-context (2)', async () => {
    const r = await cli([
      'transcribe',
      goodWav,
      '--asr-model',
      models.whisper,
      '--audio-context',
      '3000',
    ]);
    expectFailure(r, 2, /--audio-context takes 1 to 1500/);
  });

  it('a model file that is not a whisper model (1)', async () => {
    expectFailure(
      await cli(['transcribe', goodWav, '--asr-model', models.llm]),
      1,
      /llm-synth\.gguf is a GGUF language model .*, not a whisper model — give --asr-model a whisper\.cpp model/,
    );
    const junk = join(work, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    expectFailure(
      await cli(['transcribe', goodWav, '--asr-model', junk]),
      1,
      /junk\.bin is not a whisper\.cpp model/,
    );
    expectFailure(
      await cli(['transcribe', goodWav, '--asr-model', join(work, 'none.bin')]),
      1,
      /none\.bin given to --asr-model does not exist/,
    );
  });

  it('a VAD model that is not a VAD model (1)', async () => {
    const r = await cli([
      'transcribe',
      goodWav,
      '--asr-model',
      models.whisper,
      '--vad-model',
      models.whisper,
    ]);
    expectFailure(r, 1, /is a whisper speech-recognition model, not a VAD model/);
  });

  it('a damaged whisper model makes the engine fail, reported with its last error line (1)', async () => {
    const damaged = join(work, 'damaged.bin');
    const bytes = readFileSync(models.whisper);
    // Cut inside the tensors: whisper.cpp says "not all tensors loaded" and gives up.
    writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length * 0.75)));
    const r = await cli(['transcribe', goodWav, '--asr-model', damaged]);
    expectFailure(r, 1, /whisper-cli exited with code \d+: .*(error|failed)/i);
  });

  it('a whisper model cut before its weights is refused, not run as an empty model (1)', async () => {
    const cut = join(work, 'cut-model.bin');
    writeFileSync(cut, readFileSync(models.whisper).subarray(0, 200_000));
    const r = await cli(['transcribe', goodWav, '--asr-model', cut]);
    expectFailure(
      r,
      1,
      /cut-model\.bin holds no model weights \(the file is cut short\) — fetch or copy the model again/,
    );
  });

  it('an engine that cannot be found (1)', async () => {
    const r = await cli(['transcribe', goodWav, '--asr-model', models.whisper], {
      ...process.env,
      GREFFIER_WHISPER_CLI: join(work, 'no-such-whisper-cli'),
    });
    expectFailure(
      r,
      1,
      /GREFFIER_WHISPER_CLI points to .*no-such-whisper-cli, which does not exist/,
    );
  });
});

describe('greffier transcribe output', () => {
  it('--json prints exactly one transcript object and nothing else', async () => {
    const r = await cli([
      'transcribe',
      goodWav,
      '--asr-model',
      models.whisper,
      '--lang',
      'fr',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const transcript = TranscriptSchema.parse(JSON.parse(r.stdout));
    expect(transcript.language).toBe('fr');
    expect(transcript.durationMs).toBe(2000);
    expect(Object.keys(JSON.parse(r.stdout)).sort()).toEqual([
      'durationMs',
      'language',
      'segments',
    ]);
  });

  it('--verbose sends whisper log lines to stderr, never to stdout', async () => {
    const r = await cli([
      'transcribe',
      goodWav,
      '--asr-model',
      models.whisper,
      '--json',
      '--verbose',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/whisper_/);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('accepts the speed and vocabulary options (--no-fallback, --audio-context, --prompt, --threads)', async () => {
    const r = await cli([
      'transcribe',
      goodWav,
      '--asr-model',
      models.whisper,
      '--no-fallback',
      '--audio-context',
      '200',
      '--prompt',
      'Mme Dupont, M. Martin, conseil municipal',
      '--threads',
      '1',
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(TranscriptSchema.parse(JSON.parse(r.stdout)).durationMs).toBe(2000);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await cli(['transcribe', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: greffier transcribe <audio> --asr-model <file>/);
  });
});

const jfkMissing = sharedFileMissing('jfk.wav');
const noTools = speechToolsMissing();
if (jfkMissing) console.warn(`transcribe-cli.test: real-speech spawn test skipped: ${jfkMissing}`);
if (noTools) console.warn(`transcribe-cli.test: spoken French spawn test skipped: ${noTools}`);

/**
 * A real process, as a user runs it: Node + tsx on our CLI sources (always current).
 * With --eval, argv has no script path, so a stand-in name keeps main()'s slice(2) right.
 */
function spawnCli(args: string[]) {
  const script = "const { main } = await import('./src/cli/main.ts'); await main();";
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script, '--', 'greffier', ...args],
    {
      cwd: projectRoot(),
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    },
  );
}

describe('greffier transcribe as a real process', () => {
  it.skipIf(!!jfkMissing)(
    'transcribes real speech (jfk.wav) with the generated model: valid JSON, ≥ 1 segment',
    () => {
      const result = spawnCli([
        'transcribe',
        sharedFile('jfk.wav')!,
        '--asr-model',
        models.whisper,
        '--json',
      ]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const transcript = TranscriptSchema.parse(JSON.parse(result.stdout));
      expect(transcript.durationMs).toBe(11000);
      expect(transcript.segments.length).toBeGreaterThanOrEqual(1);
      for (const s of transcript.segments) {
        expect(s.startMs).toBeLessThanOrEqual(s.endMs);
        expect(s.endMs).toBeLessThanOrEqual(transcript.durationMs);
      }
    },
  );

  it.skipIf(!!noTools)(
    'transcribes spoken French at 44.1 kHz stereo as text lines, forced to fr',
    () => {
      const wav = spokenWav({ lang: 'fr', variant: '44k-stereo-16bit' });
      const copy = join(work, 'séance du conseil.wav');
      copyFileSync(wav, copy);
      const result = spawnCli(['transcribe', copy, '--asr-model', models.whisper, '--lang', 'fr']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(1);
      for (const line of lines)
        expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3} → \d\d:\d\d:\d\d\.\d{3}\] /);
    },
  );

  it('exits 2 with a one-line reason on a bad flag', () => {
    const result = spawnCli(['transcribe', goodWav, '--lang', 'xx', '--asr-model', models.whisper]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'greffier: --lang takes fr, en or auto, not "xx" — run with --help to see the usage',
    );
  });

  const built = existsSync(join(projectRoot(), 'dist', 'cli', 'main.js'));
  if (!built)
    console.warn('transcribe-cli.test: bin/greffier.js test skipped: run "npm run build" first');
  it.skipIf(!built)('bin/greffier.js (the built CLI) runs the same command', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(projectRoot(), 'bin', 'greffier.js'),
        'transcribe',
        goodWav,
        '--asr-model',
        models.whisper,
        '--json',
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0 && /is not a command|unknown command/.test(result.stderr)) {
      // dist/ is older than the transcribe command: CI runs "npm run build" first.
      console.warn(
        `transcribe-cli.test: dist/ is stale (${result.stderr.trim()}); run "npm run build"`,
      );
      return;
    }
    expect(result.status).toBe(0);
    expect(TranscriptSchema.parse(JSON.parse(result.stdout)).durationMs).toBe(2000);
  });
});
