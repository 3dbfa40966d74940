// Finding 9 of issue 9, the browser host: 500 token-less requests with a
// foreign Origin flushed the blocked-request log (pushing real evidence
// out); vault.unlock answered ok to any passphrase while unlocked; a 5 MiB
// body reset the connection instead of answering 413.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { startDevhost, type Devhost } from '../../src/devhost/server.js';
import { TEST_KDF } from '../helpers/vault.js';

function raw(
  host: Devhost,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  },
): Promise<{ status: number; body: string }> {
  const url = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const PASS = 'une phrase secrète assez longue';
let host: Devhost;
let service: AppService;
const rendererDir = mkdtempSync(join(tmpdir(), 'greffier-renderer-'));
const home = mkdtempSync(join(tmpdir(), 'greffier-home-'));

const call = (name: string, input: unknown, body?: Buffer) => ({
  method: 'POST',
  path: '/api/call',
  headers: {
    'content-type': 'application/json',
    host: new URL(host.url).host,
    'x-greffier-token': host.token,
  },
  body: body ?? JSON.stringify({ name, input }),
});

beforeAll(async () => {
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  service = new AppService({ home, kdf: TEST_KDF });
  host = await startDevhost({ dispatcher: service.dispatcher, rendererDir });
});
afterAll(async () => {
  await host.close();
  await service.close();
  rmSync(rendererDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('devhost limits', () => {
  it('a flood of token-less requests from other origins cannot push real evidence out of the log', async () => {
    service.dispatcher.blocked.record({
      url: 'https://exfil.example/?q=budget',
      by: 'csp',
      detail: 'the page tried to load a remote resource',
    });
    for (let i = 0; i < 600; i++) {
      const res = await raw(host, {
        method: 'POST',
        path: '/api/call',
        headers: {
          'content-type': 'application/json',
          host: new URL(host.url).host,
          origin: `http://evil${i}.example`,
        },
        body: '{}',
      });
      expect(res.status).toBe(403);
    }
    for (let i = 0; i < 100; i++) {
      await raw(host, { path: '/', headers: { host: `rebind${i}.example:80` } });
    }
    const log = service.dispatcher.blocked.list();
    expect(log.some((e) => e.url === 'https://exfil.example/?q=budget')).toBe(true);
    const fromDevhost = log.filter((e) => e.by === 'devhost');
    expect(fromDevhost.length).toBeLessThanOrEqual(60);
    // The attack itself stays on record, counted.
    expect(fromDevhost.some((e) => /more .*refused/.test(e.detail))).toBe(true);
  });

  it('answers 413 to a 5 MiB body instead of resetting the connection', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const res = await raw(host, call('app.status', {}, big));
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/too large/i);
  });

  it('vault.unlock while unlocked checks the passphrase', async () => {
    const created = JSON.parse((await raw(host, call('vault.create', { passphrase: PASS }))).body);
    expect(created).toMatchObject({ ok: true });
    const wrong = JSON.parse(
      (await raw(host, call('vault.unlock', { passphrase: 'not the passphrase at all' }))).body,
    );
    expect(wrong).toMatchObject({ ok: false, error: { code: 'wrong-passphrase' } });
    const right = JSON.parse((await raw(host, call('vault.unlock', { passphrase: PASS }))).body);
    expect(right).toMatchObject({ ok: true });
  });
});
