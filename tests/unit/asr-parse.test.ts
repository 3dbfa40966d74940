import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkVadModel,
  checkWhisperModel,
  classifyModelBytes,
  parseWhisperJson,
  repairWhisperJson,
} from '../../src/core/asr/index.js';
import {
  audioContextFor,
  parseVadSummary,
  parseWhisperTimings,
} from '../../src/core/asr/whisper.js';
import { withFolderLock } from '../../src/core/asr/lock.js';
import { GreffierError } from '../../src/core/errors.js';
import {
  clearPrivateTemp,
  privateTempDir,
  privateTempRoot,
  withPrivateTempPath,
} from '../../src/core/tempfiles.js';
import { TranscriptSegmentSchema } from '../../src/shared/transcript.js';
import { formatTimestamp, formatTranscriptText } from '../../src/cli/commands/transcribe.js';

/** Shaped like whisper-cli 1.9.1's -ojf output (tabs, offsets in ms, special tokens). */
const sample = `{
\t"systeminfo": "AVX = 1",
\t"model": {
\t\t"type": "base",
\t\t"multilingual": true,
\t\t"vocab": 51865
\t},
\t"result": {
\t\t"language": "fr"
\t},
\t"transcription": [
\t\t{
\t\t\t"timestamps": { "from": "00:00:00,000", "to": "00:00:02,500" },
\t\t\t"offsets": { "from": 0, "to": 2500 },
\t\t\t"text": " Bonjour à tous.",
\t\t\t"tokens": [
\t\t\t\t{ "text": "[_BEG_]", "offsets": { "from": 0, "to": 0 }, "id": 50365, "p": 0.9, "t_dtw": -1 },
\t\t\t\t{ "text": " Bonjour", "offsets": { "from": 0, "to": 900 }, "id": 17577, "p": 0.8, "t_dtw": -1 },
\t\t\t\t{ "text": " à tous.", "offsets": { "from": 900, "to": 2400 }, "id": 1000, "p": 0.6, "t_dtw": -1 },
\t\t\t\t{ "text": "[_TT_125]", "offsets": { "from": 2500, "to": 2500 }, "id": 50490, "p": 0.5, "t_dtw": -1 }
\t\t\t]
\t\t},
\t\t{
\t\t\t"offsets": { "from": 2500, "to": 4000 },
\t\t\t"text": " odd\tline\u0001",
\t\t\t"tokens": [
\t\t\t\t{ "text": " odd", "id": 400, "p": nan, "t_dtw": -nan }
\t\t\t]
\t\t}
\t]
}`;

describe('parseWhisperJson', () => {
  it('turns whisper-cli -ojf output into segments in ms, without special tokens', () => {
    const parsed = parseWhisperJson(sample);
    expect(parsed.language).toBe('fr');
    expect(parsed.segments).toHaveLength(2);
    const [first, second] = parsed.segments;
    expect(first).toMatchObject({ startMs: 0, endMs: 2500, text: 'Bonjour à tous.' });
    expect(first!.tokens!.map((t) => t.text)).toEqual([' Bonjour', ' à tous.']);
    expect(first!.confidence).toBeCloseTo(0.7, 6);
    // Raw control characters and bare nan are repaired, not fatal.
    expect(second!.text).toBe('odd\tline\u0001');
    expect(second!.tokens![0]).toMatchObject({ text: ' odd', p: 0, startMs: 2500, endMs: 4000 });
    for (const segment of parsed.segments)
      expect(() => TranscriptSegmentSchema.parse(segment)).not.toThrow();
  });

  it('leaves well-formed JSON untouched and refuses what is not JSON', () => {
    const good = '{"a":"x\\"y\\\\","b":[1,2.5e-3,null]}';
    expect(repairWhisperJson(good)).toBe(good);
    expect(() => parseWhisperJson('not json')).toThrow(GreffierError);
    expect(() => parseWhisperJson('{"result":{}}')).toThrow(/without a transcription/);
  });
});

describe('whisper log parsing', () => {
  const log = [
    'whisper_vad: detected 4 speech segments',
    'whisper_vad: total duration of speech segments: 10.21 seconds',
    'whisper_print_timings:     load time =    38.72 ms',
    'whisper_print_timings:      mel time =    35.25 ms',
    'whisper_print_timings:   encode time =   257.47 ms /     2 runs (   128.74 ms per run)',
    'whisper_print_timings:   decode time =   317.20 ms /   100 runs (     3.17 ms per run)',
    'whisper_print_timings:    total time =  4342.54 ms',
  ];
  it('reads the timings whisper prints', () => {
    expect(parseWhisperTimings(log)).toMatchObject({
      loadMs: 38.72,
      melMs: 35.25,
      encodeMs: 257.47,
      encodeRuns: 2,
      decodeMs: 317.2,
      totalMs: 4342.54,
    });
  });
  it('reads what the VAD found', () => {
    expect(parseVadSummary(log)).toEqual({ speechSegments: 4, speechMs: 10210 });
    expect(parseVadSummary(['nothing'])).toBeUndefined();
  });
});

describe('model files are told apart by their first bytes', () => {
  const whisperHead = () => {
    const head = Buffer.alloc(48);
    head.writeUInt32LE(0x67676d6c, 0);
    [51865, 1500, 64, 1, 1, 448, 64, 1, 1, 80, 1].forEach((v, i) =>
      head.writeInt32LE(v, 4 + i * 4),
    );
    return head;
  };
  const vadHead = () => {
    const head = Buffer.alloc(48);
    head.writeUInt32LE(0x67676d6c, 0);
    head.writeInt32LE(10, 4);
    head.write('silero-16k', 8, 'latin1');
    return head;
  };

  it('classifies whisper, VAD, GGUF and other bytes', () => {
    expect(classifyModelBytes(whisperHead())).toBe('whisper');
    expect(classifyModelBytes(vadHead())).toBe('vad');
    expect(classifyModelBytes(Buffer.from('GGUF\x03\x00\x00\x00'))).toBe('gguf');
    expect(classifyModelBytes(Buffer.alloc(0))).toBe('empty');
    expect(classifyModelBytes(Buffer.from('RIFF1234WAVEfmt '))).toBe('other');
  });

  it('refuses the wrong kind of file with what it is and what to give instead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greffier-models-'));
    const files = {
      whisper: join(dir, 'w.bin'),
      vad: join(dir, 'v.bin'),
      gguf: join(dir, 'l.gguf'),
      empty: join(dir, 'e.bin'),
    };
    writeFileSync(files.whisper, whisperHead());
    writeFileSync(files.vad, vadHead());
    writeFileSync(files.gguf, Buffer.from('GGUF\x03\x00\x00\x00'));
    writeFileSync(files.empty, '');
    await expect(checkWhisperModel(files.whisper)).resolves.toMatchObject({
      nVocab: 51865,
      multilingual: true,
    });
    await expect(checkWhisperModel(files.gguf)).rejects.toThrow(
      /l\.gguf is a GGUF language model .* not a whisper model/,
    );
    await expect(checkWhisperModel(files.vad)).rejects.toThrow(
      /is a Silero voice-activity \(VAD\) model, not a whisper model/,
    );
    await expect(checkWhisperModel(files.empty)).rejects.toThrow(/is empty \(0 bytes\)/);
    await expect(checkWhisperModel(join(dir, 'none.bin'))).rejects.toThrow(
      /none\.bin given to --asr-model does not exist/,
    );
    await expect(checkWhisperModel(dir)).rejects.toThrow(/is a folder, not a model file/);
    await expect(checkVadModel(files.vad)).resolves.toBeUndefined();
    await expect(checkVadModel(files.whisper)).rejects.toThrow(
      /is a whisper speech-recognition model, not a VAD model/,
    );
  });
});

describe('private temporary folder', () => {
  it('is owned by this user with mode 0700 and holds a per-process run folder', () => {
    const dir = privateTempDir();
    expect(dir.startsWith(privateTempRoot())).toBe(true);
    if (process.platform !== 'win32') {
      expect(statSync(privateTempRoot()).mode & 0o777).toBe(0o700);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
  });

  it('removes a temporary file after use, even when the work fails', async () => {
    let seen = '';
    await expect(
      withPrivateTempPath('.wav', async (path) => {
        seen = path;
        writeFileSync(path, 'plaintext audio');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).not.toBe('');
    expect(existsSync(seen)).toBe(false);
  });

  it('sweeps what dead runs left at start-up and keeps live runs', () => {
    const root = mkdtempSync(join(tmpdir(), 'greffier-sweep-'));
    const env = { GREFFIER_TEMP: root };
    const dead = join(root, 'run-2147483000-deadbeef');
    const live = join(root, `run-${process.pid}-cafe0001`);
    mkdirSync(dead);
    writeFileSync(join(dead, 'meeting.wav'), 'x');
    mkdirSync(live);
    writeFileSync(join(root, 'stray.wav'), 'x');
    expect(clearPrivateTemp(env)).toBe(2);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(join(root, 'stray.wav'))).toBe(false);
    expect(existsSync(live)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(root).mode & 0o777).toBe(0o700);
  });
});

describe('transcript text format', () => {
  it('prints [hh:mm:ss.mmm → hh:mm:ss.mmm] text lines', () => {
    expect(formatTimestamp(3_723_456)).toBe('01:02:03.456');
    expect(
      formatTranscriptText({
        language: 'fr',
        durationMs: 5000,
        segments: [
          { startMs: 1200, endMs: 3400, text: 'Bonjour.' },
          { startMs: 3400, endMs: 5000, text: 'Merci.' },
        ],
      }),
    ).toBe('[00:00:01.200 → 00:00:03.400] Bonjour.\n[00:00:03.400 → 00:00:05.000] Merci.');
  });
});

describe('audioContextFor', () => {
  it('encodes only what a short live chunk needs, never more than 30 s', () => {
    // 50 frames a second plus a 64-frame margin (the formula the live transcript runs).
    expect(audioContextFor(5000)).toBe(314);
    expect(audioContextFor(100)).toBe(69);
    expect(audioContextFor(0)).toBe(64);
    expect(audioContextFor(60_000)).toBe(1500);
  });

  it('always covers the whole window, up to the live cap of 28 s', () => {
    for (let ms = 0; ms <= 28_000; ms += 250) {
      expect(audioContextFor(ms) * 20).toBeGreaterThanOrEqual(ms + 1000);
    }
  });
});

describe('withFolderLock', () => {
  it('runs one holder at a time and takes over a lock whose owner died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'greffier-lock-'));
    const lock = join(dir, '.lock');
    const order: string[] = [];
    const first = withFolderLock(lock, async () => {
      order.push('first in');
      await new Promise((done) => setTimeout(done, 300));
      order.push('first out');
    });
    await new Promise((done) => setTimeout(done, 20));
    const second = withFolderLock(lock, async () => {
      order.push('second');
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
    expect(existsSync(lock)).toBe(false);

    // A crashed builder left its lock: pid 2147483000 does not exist.
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), '2147483000');
    await expect(withFolderLock(lock, async () => 'taken over')).resolves.toBe('taken over');
  });
});
