import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';

// scripts/models-fetch.mjs against a loopback HTTP server: the same code a
// connected build machine runs against Hugging Face, minus the network.
const SCRIPT = join(projectRoot(), 'scripts', 'models-fetch.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'greffier-fetch-'));
const GOOD = randomBytes(300_000);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Seen {
  path: string;
  range: string | undefined;
}
const seen: Seen[] = [];
/** Paths whose next response is cut after this many bytes (a dropped connection). */
const cutAfter = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, range: req.headers.range });
    if (path === '/moved.bin') {
      res.writeHead(302, { Location: '/good.bin' }).end();
      return;
    }
    if (path === '/missing.bin') {
      res.writeHead(404).end();
      return;
    }
    if (path === '/voice.onnx.json') {
      res.writeHead(200).end(JSON.stringify({ phoneme_id_map: { _: [0] }, audio: {} }));
      return;
    }
    // Flip one byte (XOR, so it differs whatever random value it held).
    const corrupt = Buffer.from(GOOD);
    corrupt[1000] = corrupt[1000]! ^ 0xff;
    const body = path === '/corrupt.bin' ? corrupt : GOOD;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = match && path !== '/norange.bin' ? Number(match[1]) : 0;
    if (start >= body.length) {
      res.writeHead(416).end();
      return;
    }
    const slice = body.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      'Content-Length': String(slice.length),
      ...(start > 0 ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = cutAfter.get(path);
    if (cut !== undefined) {
      cutAfter.delete(path);
      res.write(slice.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(scratch, { recursive: true, force: true });
});

function entry(id: string, path: string, over: Record<string, unknown> = {}) {
  return {
    id,
    name: id,
    kind: 'llm',
    fileName: `${id}.gguf`,
    sizeBytes: GOOD.length,
    sha256: sha(GOOD),
    sha256Confirmed: true,
    checksumSource: 'test',
    licence: 'MIT',
    languages: ['fr'],
    ramMB: 1,
    source: `${base}${path}`,
    ...over,
  };
}

function catalogue(dir: string, models: unknown[]): string {
  const path = join(dir, 'catalogue.json');
  writeFileSync(path, JSON.stringify({ version: 1, models }));
  return path;
}

function fetchModels(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [SCRIPT, ...args], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function freshDir(): string {
  return mkdtempSync(join(scratch, 'run-'));
}

describe('npm run models:fetch', () => {
  it('downloads, verifies and names a catalogued model, following redirects', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('good', '/moved.bin')]);
    const result = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok {3}good: .*good\.gguf \(SHA-256 verified\)/);
    expect(sha(readFileSync(join(dir, 'good.gguf')))).toBe(sha(GOOD));
    expect(existsSync(join(dir, 'good.gguf.part'))).toBe(false);

    seen.length = 0;
    const again = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(again.stdout).toMatch(/already present and verified/);
    expect(seen).toEqual([]);
  });

  it('fetches a Piper voice with its .onnx.json beside it (the voice’s phonemes)', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [
      entry('voice', '/voice.onnx', { kind: 'speech', fileName: 'voice.onnx' }),
    ]);
    const result = await fetchModels(['--catalogue', cat, '--dir', dir, '--kind', 'speech']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(sha(readFileSync(join(dir, 'voice.onnx')))).toBe(sha(GOOD));
    expect(JSON.parse(readFileSync(join(dir, 'voice.onnx.json'), 'utf8'))).toHaveProperty(
      'phoneme_id_map',
    );
  });

  it('resumes a partial download with an HTTP Range request', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('resumed', '/good.bin')]);
    writeFileSync(join(dir, 'resumed.gguf.part'), GOOD.subarray(0, 120_000));
    seen.length = 0;
    const result = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/resuming at byte 120000/);
    expect(seen).toEqual([{ path: '/good.bin', range: 'bytes=120000-' }]);
    expect(sha(readFileSync(join(dir, 'resumed.gguf')))).toBe(sha(GOOD));
  });

  it('keeps what arrived when the connection drops, then resumes from there', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('dropped', '/good.bin')]);
    cutAfter.set('/good.bin', 50_000);
    const first = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      /dropped: the download of dropped\.gguf stopped at byte \d+.*run again to resume/,
    );
    const kept = statSync(join(dir, 'dropped.gguf.part')).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(GOOD.length);
    seen.length = 0;
    const second = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(second.code).toBe(0);
    expect(seen).toEqual([{ path: '/good.bin', range: `bytes=${kept}-` }]);
    expect(sha(readFileSync(join(dir, 'dropped.gguf')))).toBe(sha(GOOD));
  });

  it('starts again when the server ignores Range', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('norange', '/norange.bin')]);
    writeFileSync(join(dir, 'norange.gguf.part'), Buffer.alloc(1000, 7));
    const result = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/does not resume; starting again from 0/);
    expect(sha(readFileSync(join(dir, 'norange.gguf')))).toBe(sha(GOOD));
  });

  it('deletes a download whose SHA-256 differs and fails with exit 1', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('corrupt', '/corrupt.bin')]);
    const result = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `corrupt\\.gguf has SHA-256 [0-9a-f]{64}, the catalogue says ${sha(GOOD)}: the download was deleted`,
      ),
    );
    expect(existsSync(join(dir, 'corrupt.gguf'))).toBe(false);
    expect(existsSync(join(dir, 'corrupt.gguf.part'))).toBe(false);
  });

  it('skips unconfirmed entries unless trusted, then prints the checksum obtained', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [
      entry('pending', '/good.bin', { sha256: null, sizeBytes: null, sha256Confirmed: false }),
    ]);
    const skipped = await fetchModels(['--catalogue', cat, '--dir', dir]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/skip pending: its SHA-256 is not confirmed/);
    expect(existsSync(join(dir, 'pending.gguf'))).toBe(false);
    const trusted = await fetchModels(['--catalogue', cat, '--dir', dir, '--trust-unlisted']);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain(`WARN pending: `);
    expect(trusted.stdout).toContain(`its SHA-256 is ${sha(GOOD)}`);
  });

  it('reports an HTTP error and an unknown id', async () => {
    const dir = freshDir();
    const cat = catalogue(dir, [entry('gone', '/missing.bin'), entry('good', '/good.bin')]);
    const only = await fetchModels(['--catalogue', cat, '--dir', dir, '--only', 'gone']);
    expect(only.code).toBe(1);
    expect(only.stderr).toMatch(/gone: .*missing\.bin answered HTTP 404/);
    expect(existsSync(join(dir, 'good.gguf'))).toBe(false);
    const unknown = await fetchModels(['--catalogue', cat, '--dir', dir, '--only', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/not in the catalogue: nope/);
    const bad = await fetchModels(['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--frobnicate.*run with --help/);
  });
});
