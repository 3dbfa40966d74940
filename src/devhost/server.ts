import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CallRequestSchema } from '../shared/api.js';
import type { AppDispatcher } from '../core/app/service.js';
import { contentSecurityPolicy } from '../core/app/csp.js';
import { TokenlessBlockedLimit } from './blocked-limit.js';

/**
 * The browser door into the same core Electron uses: serves the built renderer
 * and carries the API contract over HTTP, on loopback only. Every API request
 * must carry the per-launch token (given in the URL fragment, which browsers
 * never send to servers) and come from our own origin; the Host header is
 * checked too so a DNS-rebinding page cannot talk to us under another name.
 */
export interface DevhostOptions {
  dispatcher: AppDispatcher;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface Devhost {
  url: string;
  /** The URL to open: it carries the token in its fragment. */
  openUrl: string;
  token: string;
  origin: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const MAX_BODY = 4 * 1024 * 1024;
/** Past this, an oversized body is no longer drained before the 413. */
const DRAIN_LIMIT = 64 * 1024 * 1024;
export const TOKEN_HEADER = 'x-greffier-token';

export async function startDevhost(options: DevhostOptions): Promise<Devhost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const rendererDir = resolve(options.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(
      `The built UI is missing (${join(rendererDir, 'index.html')}): run "npm run build" first.`,
    );
  }
  const { dispatcher } = options;
  let origin = '';
  let host = '';
  const streams = new Set<ServerResponse>();
  const blocked = new TokenlessBlockedLimit(dispatcher.blocked);

  const server = createServer((req, res) => {
    securityHeaders(res);
    // Refuse anything not addressed to us by our loopback name: DNS rebinding and stray hosts.
    if (req.headers.host !== host) {
      blocked.record({
        url: `http://${req.headers.host ?? '?'}${req.url ?? ''}`,
        by: 'devhost',
        detail: 'wrong Host header',
      });
      return refuse(res, 421, 'This server only answers to its own loopback address.');
    }
    const requestOrigin = req.headers.origin;
    if (requestOrigin !== undefined && requestOrigin !== origin) {
      blocked.record({
        url: `${requestOrigin} → ${req.url ?? ''}`,
        by: 'devhost',
        detail: 'request from another origin',
      });
      return refuse(res, 403, 'Requests from other origins are refused.');
    }
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') {
      return refuse(res, 403, 'Cross-site requests are refused.');
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/api/')) {
      if (!hasToken(req, tokenBytes)) {
        return refuse(res, 401, 'Missing or wrong session token: open the URL the app printed.');
      }
      if (path === '/api/call' && req.method === 'POST') return void handleCall(req, res);
      if (path === '/api/events' && req.method === 'GET') return handleEvents(res);
      return refuse(res, 404, 'No such API route.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Read only.');
    serveStatic(path, res);
  });

  async function handleCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return refuse(res, 415, 'API calls are JSON.');
    }
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) return void req.destroy();
      // Answer first, then close: the client reads a 413, not a reset connection.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.destroy());
      return refuse(res, 413, error.message);
    }
    let request;
    try {
      request = CallRequestSchema.parse(JSON.parse(body));
    } catch {
      return refuse(res, 400, 'The body must be {"name": ..., "input": ...}.');
    }
    const response = await dispatcher.call(request.name, request.input);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(response));
  }

  function handleEvents(res: ServerResponse): void {
    // Newline-delimited JSON over a long response: read with fetch so the token stays in a header.
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.write(`${JSON.stringify({ event: 'hello', payload: {} })}\n`);
    streams.add(res);
    const unsubscribe = dispatcher.onEvent((event, payload) => {
      res.write(`${JSON.stringify({ event, payload })}\n`);
    });
    const keepAlive = setInterval(() => res.write('\n'), 15_000);
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
  }

  function serveStatic(path: string, res: ServerResponse): void {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return refuse(res, 400, 'Bad path.');
    }
    const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
    const file = resolve(rendererDir, normalize(relative));
    // Path-traversal guard: only files inside the built renderer folder are served.
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) {
      return refuse(res, 403, 'Outside the app folder.');
    }
    if (!existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'Not found.');
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  origin = `http://${host}`;
  return {
    url: `${origin}/`,
    openUrl: `${origin}/#token=${token}`,
    token,
    origin,
    close: () =>
      new Promise<void>((resolveClose) => {
        blocked.flush();
        for (const res of streams) res.end();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function hasToken(req: IncomingMessage, expected: Buffer): boolean {
  const given = req.headers[TOKEN_HEADER];
  if (typeof given !== 'string') return false;
  const bytes = Buffer.from(given);
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', contentSecurityPolicy());
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'microphone=(self), camera=(), geolocation=()');
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

class BodyTooLarge extends Error {
  constructor() {
    super(`Request too large (at most ${MAX_BODY / 1024 / 1024} MiB).`);
  }
}

/**
 * Reads the body up to MAX_BODY. Past it, the rest is read and dropped (up
 * to a hard cap) so the 413 can be answered on a connection still in step;
 * past the cap the request is refused at once.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        chunks.length = 0;
        if (size > DRAIN_LIMIT) {
          req.pause();
          reject(new BodyTooLarge());
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      size > MAX_BODY
        ? reject(new BodyTooLarge())
        : resolveBody(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
