import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app/app-service.js';
import { startDevhost, type Devhost } from '../../src/devhost/server.js';

/** Raw HTTP, so tests can send the Host/Origin headers a browser would never let a page forge. */
function raw(
  host: Devhost,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
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
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('devhost: the loopback door', () => {
  let host: Devhost;
  let service: AppService;
  const rendererDir = mkdtempSync(join(tmpdir(), 'greffier-renderer-'));

  beforeAll(async () => {
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(rendererDir, 'app.js'), 'export {};');
    mkdirSync(join(rendererDir, 'sub'));
    writeFileSync(join(rendererDir, '..', 'secret.txt'), 'not for the page');
    service = new AppService({ home: mkdtempSync(join(tmpdir(), 'greffier-home-')) });
    host = await startDevhost({ dispatcher: service.dispatcher, rendererDir });
  });

  afterAll(async () => {
    await host.close();
    await service.close();
  });

  const json = (token: string | undefined, body: unknown, extra: Record<string, string> = {}) => ({
    method: 'POST',
    path: '/api/call',
    headers: {
      'content-type': 'application/json',
      host: new URL(host.url).host,
      ...(token === undefined ? {} : { 'x-greffier-token': token }),
      ...extra,
    },
    body: JSON.stringify(body),
  });

  it('listens on 127.0.0.1 only and gives the token in the URL fragment', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(host.openUrl).toBe(`${host.url}#token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(40);
  });

  it('serves the UI with a strict CSP and hardening headers', async () => {
    const res = await raw(host, { path: '/', headers: { host: new URL(host.url).host } });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>t</title>');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers API calls that carry the token', async () => {
    const res = await raw(host, json(host.token, { name: 'app.status', input: {} }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: true,
      value: { vault: 'absent', ready: true },
    });
  });

  it('refuses a missing or wrong token with what to do', async () => {
    for (const token of [undefined, 'x'.repeat(host.token.length), 'short']) {
      const res = await raw(host, json(token, { name: 'app.status', input: {} }));
      expect(res.status).toBe(401);
      expect(res.body).toBe('Missing or wrong session token: open the URL the app printed.');
    }
  });

  it('refuses other origins and logs the attempt', async () => {
    const res = await raw(
      host,
      json(host.token, { name: 'app.status', input: {} }, { origin: 'http://evil.example' }),
    );
    expect(res.status).toBe(403);
    expect(res.body).toBe('Requests from other origins are refused.');
    const cross = await raw(
      host,
      json(host.token, { name: 'app.status', input: {} }, { 'sec-fetch-site': 'cross-site' }),
    );
    expect(cross.status).toBe(403);
    expect(service.dispatcher.blocked.list()[0]).toMatchObject({
      by: 'devhost',
      detail: 'request from another origin',
    });
  });

  it('refuses another Host name (DNS rebinding)', async () => {
    const res = await raw(host, { path: '/', headers: { host: 'attacker.example:80' } });
    expect(res.status).toBe(421);
    expect(res.body).toBe('This server only answers to its own loopback address.');
  });

  it('never serves a file outside the UI folder', async () => {
    const h = { host: new URL(host.url).host };
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
    ]) {
      const res = await raw(host, { path, headers: h });
      expect([403, 404], path).toContain(res.status);
      expect(res.body).not.toContain('not for the page');
    }
    expect((await raw(host, { path: '/missing.js', headers: h })).status).toBe(404);
    expect((await raw(host, { method: 'POST', path: '/index.html', headers: h })).status).toBe(405);
  });

  it('rejects malformed bodies and non-JSON calls', async () => {
    const bad = await raw(host, { ...json(host.token, {}), body: '{not json' });
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('The body must be {"name": ..., "input": ...}.');
    const form = await raw(host, {
      ...json(host.token, {}),
      headers: { ...json(host.token, {}).headers, 'content-type': 'text/plain' },
    });
    expect(form.status).toBe(415);
  });

  it('returns a refused call as data: what is wrong and what to do', async () => {
    const res = await raw(host, json(host.token, { name: 'vault.unlock', input: {} }));
    const body = JSON.parse(res.body);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('invalid-request');
    expect(body.error.message).toContain('passphrase');
    expect(body.error.hint).toBeTruthy();
  });

  it('streams events to a client holding the token', async () => {
    const events: string[] = [];
    const url = new URL(host.url);
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/api/events',
          headers: { host: url.host, 'x-greffier-token': host.token },
        },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            for (const line of chunk.toString().split('\n').filter(Boolean)) {
              events.push(JSON.parse(line).event);
              if (events.length === 1) {
                service.dispatcher.blocked.record({
                  url: 'https://a.example/',
                  by: 'csp',
                  detail: 'img-src',
                });
              }
              if (events.includes('security.blocked')) {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', (error) => (events.includes('security.blocked') ? resolve() : reject(error)));
      req.end();
    });
    expect(events).toEqual(['hello', 'security.blocked']);
  });
});
