import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import {
  ensureWhisperCli,
  hostSourceHash,
  locateWhisperCli,
  readEngineStamp,
  WHISPER_CLI_NAME,
  WHISPER_HOST_NAME,
  whisperCliStatus,
} from '../../src/core/asr/engine.js';
import { whisperCli } from '../helpers/whisper.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
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

/** No cmake, no compiler: what a fresh office PC or a bare container looks like. */
const noTools: NodeJS.ProcessEnv = { ...process.env, PATH: '/nonexistent', CXX: '' };

let binary: string;

beforeAll(async () => {
  binary = await whisperCli();
});

describe('whisper-cli engine build', () => {
  it('is idempotent: an up-to-date binary is reused without running cmake', async () => {
    const mtime = statSync(binary).mtimeMs;
    // With no tools on PATH, any attempt to build would fail: reuse must not try.
    await expect(ensureWhisperCli({ env: noTools })).resolves.toBe(binary);
    expect(statSync(binary).mtimeMs).toBe(mtime);
  });

  it('builds the whisper host beside whisper-cli, stamped with the hash of its source', () => {
    // A change to native/whisper-host changes the hash, and ensureWhisperCli then rebuilds both.
    expect(existsSync(join(dirname(binary), WHISPER_HOST_NAME))).toBe(true);
    expect(readEngineStamp(dirname(binary))?.host).toBe(hostSourceHash());
    expect(hostSourceHash()).toMatch(/^[0-9a-f]{16}$/);
  });

  it('says what to install when cmake is missing, and keeps the existing binary', async () => {
    await expect(ensureWhisperCli({ force: true, env: noTools })).rejects.toThrow(
      /CMake was not found \("cmake" cannot run\)/,
    );
    await expect(ensureWhisperCli({ force: true, env: noTools })).rejects.toSatisfy((e: unknown) =>
      /apt-get install cmake g\+\+ make/.test((e as { hint?: string }).hint ?? ''),
    );
    expect(existsSync(binary)).toBe(true);
  });

  it('greffier engine build --force without the tools exits 1 with the reason and the fix', async () => {
    const r = await cli(['engine', 'build', '--force', '--quiet'], noTools);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(
      /^greffier: CMake was not found .* — install the build tools \(Debian\/Ubuntu: "apt-get install cmake g\+\+ make"/,
    );
  });

  it('greffier engine build prints the path of the up-to-date binary', async () => {
    const r = await cli(['engine', 'build', '--quiet'], process.env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(binary);
  });

  it('greffier engine status says where the engine is and what it was built from', async () => {
    const r = await cli(['engine', 'status', '--json'], process.env);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as ReturnType<typeof whisperCliStatus>;
    expect(status.path).toBe(binary);
    expect(status.upToDate).toBe(true);
    expect(status.source?.nodejsWhisper).toBe('0.3.1');
    expect(status.stamp?.portable).toBe(false);
    const text = await cli(['engine', 'status'], process.env);
    expect(text.stdout).toMatch(
      /^whisper-cli: .*whisper-cli\nsource: whisper\.cpp \d+\.\d+\.\d+ from nodejs-whisper 0\.3\.1\n/,
    );
  });

  it('greffier engine build rejects unknown flags and arguments (2)', async () => {
    const r = await cli(['engine', 'build', '--fast'], process.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^greffier: Unknown option '--fast'/);
    const s = await cli(['engine', 'status', 'now'], process.env);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/engine status takes no arguments \("now"\)/);
  });
});

describe('locating whisper-cli', () => {
  it('prefers GREFFIER_WHISPER_CLI, then the packaged resources, then engines/', () => {
    const dir = mkdtempSync(join(tmpdir(), 'greffier-locate-'));
    const fake = join(dir, 'my-whisper');
    writeFileSync(fake, '');
    expect(locateWhisperCli({ GREFFIER_WHISPER_CLI: fake })).toBe(fake);

    const resources = join(dir, 'resources');
    mkdirSync(join(resources, 'engines'), { recursive: true });
    writeFileSync(join(resources, 'engines', WHISPER_CLI_NAME), '');
    expect(locateWhisperCli({ GREFFIER_RESOURCES: resources })).toBe(
      join(resources, 'engines', WHISPER_CLI_NAME),
    );

    expect(locateWhisperCli({ GREFFIER_RESOURCES: join(dir, 'empty') })).toBe(binary);
  });

  it('refuses a GREFFIER_WHISPER_CLI that does not exist, saying so', () => {
    expect(() => locateWhisperCli({ GREFFIER_WHISPER_CLI: '/nowhere/whisper-cli' })).toThrow(
      /GREFFIER_WHISPER_CLI points to \/nowhere\/whisper-cli, which does not exist/,
    );
  });
});
