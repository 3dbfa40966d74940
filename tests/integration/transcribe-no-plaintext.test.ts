// Issue 8, item 8: while whisper runs, no plaintext audio or transcript may be
// written to disk outside the encrypted vault. Every path that runs whisper is
// run under strace, which records each file the processes (Node and the
// whisper-cli it starts) create or open for writing; the test then checks that
// each of them is in the vault folder, a device, tsx's own compile cache, or a
// FIFO made in the private temporary folder (a name only: what passes through
// a FIFO stays in the kernel's pipe buffer and never reaches the disk).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostBesideCli } from '../../src/core/asr/whisper-host.js';
import { projectRoot } from '../../src/core/paths.js';
import { TranscriptSchema } from '../../src/shared/transcript.js';
import { toneWav } from '../helpers/fixtures.js';
import { testModels } from '../helpers/models.js';
import { createTestVault, TEST_PASSPHRASE } from '../helpers/vault.js';
import { whisperCli } from '../helpers/whisper.js';

const STRACE = '/usr/bin/strace';

function straceMissing(): string | undefined {
  if (process.platform !== 'linux')
    return `strace tracing runs on Linux only (${process.platform})`;
  if (!existsSync(STRACE)) return `${STRACE} is not installed (apt-get install strace)`;
  const probe = spawnSync(STRACE, ['-f', '-qq', '-e', 'trace=openat', '-o', '/dev/null', 'true']);
  if (probe.status !== 0) {
    return `strace cannot trace here (${(probe.stderr?.toString() || 'ptrace refused').trim()})`;
  }
  return undefined;
}

const missing = straceMissing();
if (missing) console.warn(`transcribe-no-plaintext.test: skipped: ${missing}`);

const SYSCALLS = [
  'execve',
  'open',
  'openat',
  'creat',
  'rename',
  'renameat',
  'renameat2',
  'link',
  'linkat',
  'symlink',
  'symlinkat',
  'mkdir',
  'mkdirat',
  'mknod',
  'mknodat',
];

interface Created {
  pid: number;
  call: string;
  path: string;
  fifo: boolean;
}

interface Trace {
  /** Files created or opened for writing, with absolute paths. */
  written: Created[];
  /** Programs started, and by which process id. */
  executed: { pid: number; path: string }[];
}

/** C-escaped string as strace prints it. */
function unescape(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === 'x') return String.fromCharCode(parseInt(code.slice(1), 16));
    if (/^[0-7]+$/.test(code)) return String.fromCharCode(parseInt(code, 8));
    return ({ n: '\n', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[code] ?? code;
  });
}

/** Reads strace -f -o output: joins "unfinished"/"resumed" halves and keeps successful calls. */
function parseTrace(text: string, cwd: string): Trace {
  const pending = new Map<string, string>();
  const calls: { pid: number; line: string }[] = [];
  for (const raw of text.split('\n')) {
    const match = /^(\d+)\s+(.*)$/.exec(raw);
    if (!match) continue;
    const [, pid, rest] = match as unknown as [string, string, string];
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    const line = resumed ? (pending.get(pid) ?? '') + resumed[1] : rest;
    pending.delete(pid);
    calls.push({ pid: Number(pid), line });
  }
  const written: Created[] = [];
  const executed: { pid: number; path: string }[] = [];
  const strings = (line: string) =>
    [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(m[1]!));
  const absolute = (path: string) => (isAbsolute(path) ? path : resolve(cwd, path));
  for (const { pid, line } of calls) {
    const call = /^(\w+)\(/.exec(line)?.[1];
    const result = /\)\s+=\s+(-?\d+)/.exec(line)?.[1];
    if (!call || result === undefined || Number(result) < 0) continue;
    const args = strings(line);
    if (call === 'execve') {
      if (args[0]) executed.push({ pid, path: args[0] });
      continue;
    }
    if (call === 'open' || call === 'openat') {
      const flags = line.slice(line.lastIndexOf('"') + 1);
      if (/O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/.test(flags) && args[0]) {
        if (call === 'openat' && !/^openat\(AT_FDCWD,/.test(line) && !isAbsolute(args[0])) {
          // Relative to a directory handle the trace cannot resolve: reported as it is.
          written.push({ pid, call, path: `?/${args[0]}`, fifo: false });
        } else written.push({ pid, call, path: absolute(args[0]), fifo: false });
      }
    } else if (call === 'mknod' || call === 'mknodat') {
      written.push({ pid, call, path: absolute(args[0]!), fifo: /S_IFIFO/.test(line) });
    } else if (call.startsWith('rename') || call.startsWith('link') || call.startsWith('symlink')) {
      written.push({ pid, call, path: absolute(args.at(-1)!), fifo: false });
    }
    // mkdir makes folders, which hold nothing by themselves: the files in them are checked.
  }
  return { written, executed };
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);

describe.skipIf(!!missing)('no plaintext audio or transcript on disk while whisper runs', () => {
  const work = mkdtempSync(join(tmpdir(), 'greffier-noplain-'));
  const home = join(work, 'home');
  const vaultDir = join(home, 'vault');
  const privateTemp = join(work, 'private');
  const passFile = join(work, 'pass');
  let model = '';
  let engine = '';

  beforeAll(async () => {
    engine = await whisperCli();
    model = (await testModels()).whisper;
    writeFileSync(passFile, TEST_PASSPHRASE);
    const open = await createTestVault(vaultDir);
    await open.vault.lock();
  }, 900_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs a Node script (with tsx, on our current sources) under strace. */
  function traced(name: string, script: string, args: string[] = []) {
    const log = join(work, `${name}.strace`);
    const result = spawnSync(
      STRACE,
      [
        '-f',
        '-qq',
        '-s',
        '4096',
        '-e',
        `trace=${SYSCALLS.join(',')}`,
        '-o',
        log,
        process.execPath,
        '--import',
        'tsx',
        '--input-type=module',
        '--eval',
        script,
        '--',
        'greffier',
        ...args,
      ],
      {
        cwd: projectRoot(),
        encoding: 'utf8',
        env: {
          ...process.env,
          NODE_NO_WARNINGS: '1',
          GREFFIER_HOME: home,
          GREFFIER_TEMP: privateTemp,
          GREFFIER_WHISPER_CLI: engine,
        },
      },
    );
    const trace = parseTrace(readFileSync(log, 'utf8'), projectRoot());
    return { ...result, trace };
  }

  /** Everything written outside the places allowed to hold it. */
  function offenders(trace: Trace): Created[] {
    const fifos = new Set(trace.written.filter((w) => w.fifo).map((w) => w.path));
    const tsxCache = join(tmpdir(), 'tsx-');
    return trace.written.filter((w) => {
      if (inside(w.path, vaultDir)) return false;
      if (w.path.startsWith('/dev/') || w.path.startsWith('/proc/')) return false;
      // tsx's transpile cache of our sources (code, not meeting content).
      if (w.path.startsWith(tsxCache)) return false;
      // A FIFO in the private folder holds nothing at rest; opening it to write is the pipe.
      if (inside(w.path, privateTemp) && fifos.has(w.path)) return false;
      return true;
    });
  }

  function expectPipedThroughFifo(trace: Trace) {
    const whisper = new Set(trace.executed.filter((e) => e.path === engine).map((e) => e.pid));
    expect(whisper.size).toBeGreaterThan(0);
    const fifos = new Set(trace.written.filter((w) => w.fifo).map((w) => w.path));
    expect(fifos.size).toBeGreaterThan(0);
    for (const fifo of fifos) expect(inside(fifo, privateTemp)).toBe(true);
    // whisper-cli itself opened the FIFO to write its JSON: the result came through it.
    expect(trace.written.some((w) => whisper.has(w.pid) && fifos.has(w.path))).toBe(true);
  }

  /** Windows (imports, live chunks) go to the whisper host: samples in on stdin, JSON out on stdout. */
  function expectThroughHost(trace: Trace) {
    const host = hostBesideCli(engine);
    const hosts = new Set(trace.executed.filter((e) => e.path === host).map((e) => e.pid));
    expect(hosts.size).toBeGreaterThan(0);
    // No FIFO and no file at all: nothing to open for the result, it comes back on the pipe.
    expect(trace.written.filter((w) => hosts.has(w.pid))).toEqual([]);
    expect(trace.written.some((w) => w.fifo)).toBe(false);
  }

  const cliScript = "const { main } = await import('./src/cli/main.ts'); await main();";

  it('greffier transcribe, on a file that needs converting (44.1 kHz) and one that does not', () => {
    for (const wav of [toneWav(3, 440, 44100), toneWav(3, 440, 16000)]) {
      const run = traced('transcribe', cliScript, [
        'transcribe',
        wav,
        '--asr-model',
        model,
        '--lang',
        'fr',
        '--audio-context',
        '256',
        '--no-fallback',
        '--json',
      ]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(TranscriptSchema.parse(JSON.parse(run.stdout)).durationMs).toBe(3000);
      expect(offenders(run.trace)).toEqual([]);
      expectPipedThroughFifo(run.trace);
    }
  }, 300_000);

  it('greffier import --asr-model: the journal streams into the whisper host, nothing else is written', () => {
    const run = traced('import', cliScript, [
      'import',
      toneWav(3, 440, 44100),
      '--title',
      'Conseil',
      '--lang',
      'fr',
      '--asr-model',
      model,
      '--passphrase-file',
      passFile,
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\S+$/);
    expect(offenders(run.trace)).toEqual([]);
    expectThroughHost(run.trace);
    // The meeting itself did reach the disk, encrypted, in the vault.
    expect(run.trace.written.some((w) => inside(w.path, vaultDir))).toBe(true);
  }, 300_000);

  it('a live window (LiveTranscriber) sends its samples to the whisper host on stdin', () => {
    const script = `
      const { LiveTranscriber } = await import('./src/core/app/live.ts');
      const info = await new Promise((done, fail) => {
        const live = new LiveTranscriber({
          model: ${JSON.stringify(model)},
          language: 'fr',
          onSegments() {},
          onError: fail,
          onWindowDone: (info) => live.stop().then(() => done(info)),
        });
        for (let second = 0; second < 5; second++) {
          const chunk = new Int16Array(16000);
          for (let i = 0; i < chunk.length; i++) {
            chunk[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (second * 16000 + i)) / 16000));
          }
          live.push(chunk);
        }
      });
      process.stdout.write(JSON.stringify(info));
    `;
    const run = traced('live', script);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ windowMs: 4000 });
    expect(offenders(run.trace)).toEqual([]);
    expectThroughHost(run.trace);
  }, 300_000);
});
